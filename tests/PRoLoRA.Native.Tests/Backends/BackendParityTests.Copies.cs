using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Tests.BackendParity;

/// <summary>Tensor creation and copies, bit-exact.</summary>
public abstract partial class BackendParityTests
{
    [Test]
    public void FromArray_RoundTrips([Values(1, 7, 1000)] int n)
    {
        var (dev, host) = RandomPair(n);
        AssertExact(dev, host, "round trip");
    }

    [Test]
    public void Zeros_AreZero()
    {
        using var dev = Backend.Zeros(new Shape(17, 5));
        AssertExact(dev, new float[85], "zeros");
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
        var (dev, _) = RandomPair(6, 9);
        var data = Randoms(54);
        Backend.CopyFromHost(data, dev);
        AssertExact(dev, data, "copy from host");
    }

    [Test]
    public void CopyToHost_OfStridedViews([Values] bool transposed, [Values(7, 70)] int rows)
    {
        var (dev, host) = transposed ? TransposedPair(rows, 45) : PaddedPair(rows, 45);
        var copy = new float[dev.Count];
        Backend.CopyToHost(dev, copy);
        ParityAssert.Exact(copy, host, transposed ? "transposed view" : "padded view");
    }

    [Test]
    public void Copy_MaterialisesViews([Values("contiguous", "transposed", "padded")] string kind, [Values(5, 70)] int rows)
    {
        var (src, host) = kind switch
        {
            "transposed" => TransposedPair(rows, 33),
            "padded" => PaddedPair(rows, 33),
            _ => RandomPair(rows, 33),
        };
        var (dst, _) = Pair(NaNs(rows * 33), rows, 33);
        Backend.Copy(src, dst);
        AssertExact(dst, host, $"copy of a {kind} view");
    }
}
