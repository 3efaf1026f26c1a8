using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Distributed;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Tests.Distributed;

/// <summary>The collective of one process: rank 0 of 1, every operation leaves the values as they are; and the launch that opens it.</summary>
public class SingleProcessCollectiveTests
{
    [Test]
    public void IsRankZeroOfOne_AndLeavesEveryBufferAsItIs()
    {
        using var collective = new SingleProcessCollective();
        float[] values = [1f, -2.5f, 3f];

        collective.AllReduceSum(values);
        collective.Broadcast(values);
        collective.Barrier();

        Assert.That((collective.Rank, collective.WorldSize), Is.EqualTo((0, 1)));
        Assert.That(values, Is.EqualTo(new[] { 1f, -2.5f, 3f }));
    }

    [Test]
    public void TensorCollectives_OfOneProcess_LeaveTheTensorsAndExtrasAsTheyAre()
    {
        using var collective = new SingleProcessCollective();
        using var a = CpuBackend.Instance.FromArray([1f, 2f, 3f, 4f], new Shape(2, 2));
        using var b = CpuBackend.Instance.FromArray([5f], new Shape(1));
        Span<float> extra = [7f];

        collective.AllReduceSum([a, b], extra);
        collective.AllReduceMean([a, b]);
        collective.Broadcast([a, b]);

        Assert.That(a.ToArray(), Is.EqualTo(new[] { 1f, 2f, 3f, 4f }));
        Assert.That(b.ToArray(), Is.EqualTo(new[] { 5f }));
        Assert.That(extra[0], Is.EqualTo(7f));
        Assert.That(CollectiveTensors.FusedLength([a, b]), Is.EqualTo(5));
    }

    [Test]
    public void Open_WithoutLaunchVariables_IsTheSingleProcessOne()
    {
        var launch = LaunchEnvironment.Read(_ => null);

        using var collective = Collectives.Open(launch, gpu: false);

        Assert.That(collective, Is.InstanceOf<SingleProcessCollective>());
        Assert.That(launch.Timeout, Is.EqualTo(LaunchEnvironment.DefaultTimeout));
    }

    [Test]
    public void Open_TorchRunStyleOnTheCpu_IsRefusedPointingAtMpirun()
    {
        var launch = LaunchEnvironment.Read(Variables(("RANK", "0"), ("WORLD_SIZE", "2"), ("MASTER_ADDR", "127.0.0.1"), ("MASTER_PORT", "29500")));

        var e = Assert.Throws<CollectiveException>(() => Collectives.Open(launch, gpu: false));

        Assert.That(e!.Message, Does.Contain("needs GPUs").And.Contain("mpirun -np 2"));
    }

    internal static Func<string, string?> Variables(params (string Name, string Value)[] set)
    {
        var map = set.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);
        return name => map.GetValueOrDefault(name);
    }
}
