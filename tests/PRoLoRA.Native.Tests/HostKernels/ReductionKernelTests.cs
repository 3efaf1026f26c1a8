namespace PRoLoRA.Native.Tests.HostKernels;

/// <summary>The kernels of cuda/reductions.cu through the host shim against the CPU backend.</summary>
public sealed class ReductionKernelTests : HostKernelFixture
{
    /// <summary>out = beta·out + column sums, with more columns than a block; beta = 0 must not read out.</summary>
    [Test]
    public void SumRows_MatchesCpu([Values(0f, 1f, 0.5f)] float beta, [Values(1, 37)] int rows)
    {
        var rng = new Random(21);
        const int cols = 300;
        var x = RandomFloats(rng, rows * cols);
        var output = beta == 0f ? NaNs(cols) : RandomFloats(rng, cols);
        var dOut = Upload<float>(output);
        Reference.SumRows(Cpu(x, rows, cols), Cpu(output, cols), beta);
        Run("sum_rows", cols, new KernelArgs { Upload<float>(x), dOut, rows, cols, beta });
        FloatAssert.Close(dOut.Download(), output, "out");
    }

    /// <summary>The parts add up to the CPU's Σ x² (in double; only the order of the additions differs).</summary>
    [Test]
    public void SumOfSquares_PartsAddUpToCpu([Values(1, 64, 2000)] int parts)
    {
        var rng = new Random(22);
        const int n = 1000;
        var x = RandomFloats(rng, n, 10f);
        var dPartials = Upload<double>(Enumerable.Repeat(double.NaN, parts).ToArray());
        double expected = Reference.SumOfSquares(Cpu(x, n));
        Run("sum_of_squares", parts, new KernelArgs { Upload<float>(x), n, dPartials, parts });
        double actual = dPartials.Download().Sum();
        Assert.That(actual, Is.EqualTo(expected).Within(1e-12 * expected));
    }
}
