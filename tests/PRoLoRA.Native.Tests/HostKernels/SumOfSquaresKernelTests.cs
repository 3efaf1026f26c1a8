using PRoLoRA.Native.Backends.Cpu;

namespace PRoLoRA.Native.Tests.HostKernels;

/// <summary>
/// sum_of_squares called directly: its launcher always asks for min(n, 65536) parts, so the parts
/// other counts give are reached only here (every other kernel is tested through its launcher, in
/// the backend parity tests).
/// </summary>
public sealed class SumOfSquaresKernelTests : HostKernelFixture
{
    /// <summary>The parts add up to Σ x² (in double; only the order of the additions differs).</summary>
    [Test]
    public void SumOfSquares_PartsAddUpToTheDefinition([Values(1, 64, 2000)] int parts)
    {
        var rng = new Random(22);
        const int n = 1000;
        var x = RandomFloats(rng, n, 10f);
        var dPartials = Upload<double>(Enumerable.Repeat(double.NaN, parts).ToArray());
        double expected = CpuBackend.Reference.SumOfSquares(x);
        Run("sum_of_squares", parts, new KernelArgs { Upload<float>(x), n, dPartials, parts });
        double actual = dPartials.Download().Sum();
        Assert.That(actual, Is.EqualTo(expected).Within(1e-12 * expected));
    }
}
