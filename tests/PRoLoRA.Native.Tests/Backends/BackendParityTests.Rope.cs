using PRoLoRA.Native.Backends.Cpu;

namespace PRoLoRA.Native.Tests.BackendParity;

/// <summary>RoPE: head widths 2 to 128, positions up to 8191, LLaMA 2's and LLaMA 3's theta, linear scaling, the inverse, in place.</summary>
public abstract partial class BackendParityTests
{
    private static readonly int[] RopePositions = [0, 1, 2, 17, 511, 4095, 8191];

    [Test]
    public void Rope_MatchesTheDefinition([Values(2, 8, 128)] int headDim, [Values(10000f, 500000f)] float theta, [Values(1f, 4f)] float positionScale, [Values] bool inverse)
    {
        const int heads = 3;
        int rows = RopePositions.Length, cols = heads * headDim;
        var (x, xHost) = RandomPair(rows, cols);
        var (o, expected) = Pair(NaNs(rows * cols), rows, cols);
        Backend.Rope(x, RopePositions, headDim, theta, positionScale, o, inverse);
        CpuBackend.Reference.Rope(xHost, RopePositions, headDim, theta, positionScale, expected, inverse, cols);
        AssertClose(o, expected, "output", ParityAssert.SumRelative);
    }

    /// <summary>In place, the inverse rotation undoes the rotation.</summary>
    [Test]
    public void Rope_InPlace_ThenInverse_GivesTheInputBack()
    {
        const int headDim = 64, cols = 2 * headDim;
        int rows = RopePositions.Length;
        var (x, xHost) = RandomPair(rows, cols);
        var expected = new float[rows * cols];
        CpuBackend.Reference.Rope(xHost, RopePositions, headDim, 10000f, 1f, expected, false, cols);
        Backend.Rope(x, RopePositions, headDim, 10000f, 1f, x, false);
        AssertClose(x, expected, "rotated in place", ParityAssert.SumRelative);
        Backend.Rope(x, RopePositions, headDim, 10000f, 1f, x, true);
        AssertClose(x, xHost, "rotated back", ParityAssert.SumRelative);
    }

    [Test]
    public void Rope_BadArguments_NameTheArgument()
    {
        var (x, _) = RandomPair(2, 12);
        var (o, _) = RandomPair(2, 12);
        Assert.Multiple(() =>
        {
            Assert.That(() => Backend.Rope(x, [0, 1], 3, 1e4f, 1f, o, false), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("headDim"));
            Assert.That(() => Backend.Rope(x, [0, 1], 8, 1e4f, 1f, o, false), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("headDim"));
            Assert.That(() => Backend.Rope(x, [0, 1], 4, 0f, 1f, o, false), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("theta"));
            Assert.That(() => Backend.Rope(x, [0, 1], 4, 1e4f, float.PositiveInfinity, o, false), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("positionScale"));
            Assert.That(() => Backend.Rope(x, [0], 4, 1e4f, 1f, o, false), Throws.ArgumentException.With.Property("ParamName").EqualTo("positions"));
            Assert.That(() => Backend.Rope(x, [0, -1], 4, 1e4f, 1f, o, false), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("positions"));
            Assert.That(() => Backend.Rope(x, [0, 1], 4, 1e4f, 1f, o.Reshape(4, 6), false), Throws.ArgumentException.With.Property("ParamName").EqualTo("output"));
        });
    }
}
