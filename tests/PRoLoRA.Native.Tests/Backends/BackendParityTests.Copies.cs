using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Tests.BackendParity;

/// <summary>Tensor creation and copies, bit-exact.</summary>
public abstract partial class BackendParityTests
{
    [Test]
    public void FromArray_RoundTrips([Values(1, 7, 1000)] int n)
    {
        var data = Randoms(n);
        var (dev, _) = Pair(data, n);
        ParityAssert.Exact(dev.ToArray(), data, "round trip");
    }

    [Test]
    public void Zeros_AreZero()
    {
        var dev = Backend.Zeros(new Shape(17, 5));
        var cpu = Cpu.Zeros(new Shape(17, 5));
        try
        {
            AssertExact(dev, cpu, "zeros");
        }
        finally
        {
            dev.Dispose();
            cpu.Dispose();
        }
    }

    [Test]
    public void EmptyShapes_Work()
    {
        var (dev, _) = Pair([], 0, 4);
        Assert.That(dev.ToArray(), Is.Empty);
        Backend.Fill(dev, 1f);
    }

    [Test]
    public void CopyFromHost_OverwritesContents()
    {
        var (dev, cpu) = RandomPair(6, 9);
        var data = Randoms(54);
        Backend.CopyFromHost(data, dev);
        Cpu.CopyFromHost(data, cpu);
        AssertExact(dev, cpu, "copy from host");
    }

    [Test]
    public void CopyToHost_OfStridedViews([Values] bool transposed)
    {
        var (dev, cpu) = transposed ? TransposedPair(7, 12) : PaddedPair(7, 12);
        var host = new float[dev.Count];
        Backend.CopyToHost(dev, host);
        ParityAssert.Exact(host, cpu.ToArray(), transposed ? "transposed view" : "padded view");
    }

    [Test]
    public void Copy_MaterialisesViews([Values("contiguous", "transposed", "padded")] string kind)
    {
        var (src, srcRef) = kind switch
        {
            "transposed" => TransposedPair(5, 11),
            "padded" => PaddedPair(5, 11),
            _ => RandomPair(5, 11),
        };
        var (dst, dstRef) = Pair(NaNs(55), 5, 11);
        Backend.Copy(src, dst);
        Cpu.Copy(srcRef, dstRef);
        AssertExact(dst, dstRef, $"copy of a {kind} view");
    }
}
