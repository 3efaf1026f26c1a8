using PRoLoRA.Native.Backends.Cpu;

namespace PRoLoRA.Native.Tests.BackendParity;

/// <summary>RMSNorm and its gradient: rows narrower and wider than a block, large values, in place, beta 0, 1 and ½.</summary>
public abstract partial class BackendParityTests
{
    [Test]
    public void RmsNorm_MatchesTheDefinition([Values(1, 6)] int rows, [Values(1, 7, 300, 1000)] int cols, [Values(1f, 1000f)] float scale, [Values] bool inPlace)
    {
        var (x, xHost) = Pair(Randoms(rows * cols, -scale, scale), rows, cols);
        var (weight, weightHost) = Pair(Randoms(cols, 0.5f, 1.5f), cols);
        var (rstd, expectedRstd) = Pair(NaNs(rows), rows);
        var (o, expected) = inPlace ? (x, new float[rows * cols]) : Pair(NaNs(rows * cols), rows, cols);
        Backend.RmsNorm(x, weight, 1e-5f, o, rstd);
        CpuBackend.Reference.RmsNorm(xHost, weightHost, 1e-5f, expected, expectedRstd, rows, cols);
        AssertClose(rstd, expectedRstd, "rstd", ParityAssert.SumRelative);
        AssertClose(o, expected, "output", ParityAssert.SumRelative);
    }

    /// <summary>A row of zeros is normalised by sqrt(eps) alone: rstd = 1/sqrt(eps), output 0.</summary>
    [Test]
    public void RmsNorm_OfAZeroRow_IsZero()
    {
        var (x, _) = Pair(new float[8], 2, 4);
        var (weight, _) = Pair([1f, 2f, 3f, 4f], 4);
        var (rstd, _) = Pair(NaNs(2), 2);
        var (o, _) = Pair(NaNs(8), 2, 4);
        Backend.RmsNorm(x, weight, 0.25f, o, rstd);
        AssertClose(rstd, [2f, 2f], "rstd");
        AssertExact(o, new float[8], "output");
    }

    [Test]
    public void RmsNormBackward_MatchesTheDefinition([Values(1, 6)] int rows, [Values(1, 7, 300, 1000)] int cols, [Values(0f, 1f, 0.5f)] float beta)
    {
        var (x, xHost) = RandomPair(rows, cols);
        var (weight, weightHost) = Pair(Randoms(cols, 0.5f, 1.5f), cols);
        var rstdHost = new float[rows];
        CpuBackend.Reference.RmsNorm(xHost, weightHost, 1e-5f, new float[rows * cols], rstdHost, rows, cols);
        var (rstd, _) = Pair(rstdHost, rows);
        var (dy, dyHost) = RandomPair(rows, cols);
        var (dx, expectedDx) = Pair(beta == 0f ? NaNs(rows * cols) : Randoms(rows * cols), rows, cols);
        var (dWeight, expectedDWeight) = RandomPair(cols);
        Backend.RmsNormBackward(x, weight, rstd, dy, dx, dWeight, beta);
        CpuBackend.Reference.RmsNormBackward(xHost, weightHost, rstdHost, dyHost, expectedDx, expectedDWeight, beta, rows, cols);
        AssertClose(dx, expectedDx, "dx", ParityAssert.SumRelative);
        AssertClose(dWeight, expectedDWeight, "dWeight", ParityAssert.SumRelative);
    }

    [Test]
    public void RmsNorm_BadArguments_NameTheArgument()
    {
        var (x, _) = RandomPair(3, 4);
        var (o, _) = RandomPair(3, 4);
        var (weight, _) = RandomPair(4);
        var (rstd, _) = RandomPair(3);
        var (empty, _) = RandomPair(3, 0);
        Assert.Multiple(() =>
        {
            Assert.That(() => Backend.RmsNorm(x, rstd, 1e-6f, o, rstd), Throws.ArgumentException.With.Property("ParamName").EqualTo("weight"));
            Assert.That(() => Backend.RmsNorm(x, weight, 1e-6f, o, weight), Throws.ArgumentException.With.Property("ParamName").EqualTo("rstd"));
            Assert.That(() => Backend.RmsNorm(x, weight, 1e-6f, o.Reshape(4, 3), rstd), Throws.ArgumentException.With.Property("ParamName").EqualTo("output"));
            Assert.That(() => Backend.RmsNorm(x, weight, -1f, o, rstd), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("eps"));
            Assert.That(() => Backend.RmsNorm(x, weight, float.NaN, o, rstd), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("eps"));
            Assert.That(() => Backend.RmsNorm(empty, weight, 1e-6f, empty, rstd), Throws.ArgumentException.With.Property("ParamName").EqualTo("x"));
            Assert.That(() => Backend.RmsNormBackward(x, weight, rstd, x, o, rstd, 0f), Throws.ArgumentException.With.Property("ParamName").EqualTo("dWeight"));
            Assert.That(() => Backend.RmsNormBackward(x, weight, rstd, o.T, o, weight, 0f), Throws.ArgumentException.With.Property("ParamName").EqualTo("dy"));
        });
    }
}
