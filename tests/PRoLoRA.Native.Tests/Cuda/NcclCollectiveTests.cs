using PRoLoRA.Native.Distributed;

namespace PRoLoRA.Native.Tests.Cuda;

/// <summary>
/// The NCCL collective with one rank on GPU 0 (what the GPU bundle can run on one device), and the
/// clear refusal where libnccl is missing. Skipped with the reason where there is no GPU or no NCCL.
/// </summary>
public sealed class NcclCollectiveTests
{
    [Test]
    public void OneRank_AllReduceBroadcastAndBarrier_LeaveTheValuesAndReleaseTheCommunicator()
    {
        Gpu.Require();
        if (!NcclLibrary.Probe.Found)
        {
            Assert.Ignore(NcclLibrary.Probe.MissingReason);
        }
        float[] values = [.. Enumerable.Range(0, 1000).Select(i => (i * 0.25f) - 7f)];
        var expected = values.ToArray();

        using (var nccl = NcclCollective.Alone(0, TimeSpan.FromSeconds(60)))
        {
            nccl.AllReduceSum(values);
            Assert.That(values, Is.EqualTo(expected));
            nccl.Broadcast(values);
            nccl.Barrier();
            Assert.That((nccl.Rank, nccl.WorldSize, nccl.Name), Is.EqualTo((0, 1, "NCCL")));
        }

        Assert.That(values, Is.EqualTo(expected));
        Assert.That(NcclLibrary.Version, Does.Match(@"^2\.\d+\.\d+$"));
    }

    [Test]
    public void WithoutNccl_ATorchRunStyleGpuLaunch_IsRefusedNamingTheLibrary()
    {
        if (NcclLibrary.Probe.Found)
        {
            Assert.Ignore($"NCCL is installed here ({NcclLibrary.Probe.FoundPath})");
        }
        var variables = new Dictionary<string, string> { ["RANK"] = "1", ["WORLD_SIZE"] = "2", ["MASTER_ADDR"] = "127.0.0.1", ["MASTER_PORT"] = "29500" };
        var launch = LaunchEnvironment.Read(variables.GetValueOrDefault);

        var e = Assert.Throws<CollectiveException>(() => Collectives.Open(launch, gpu: true));

        Assert.That(e!.Message, Does.Contain("NCCL (libnccl) not found").And.Contain("libnccl.so.2"));
    }
}
