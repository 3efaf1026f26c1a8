using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Backends.Cuda;

namespace PRoLoRA.Native.Tests.HostKernels;

/// <summary>
/// sum_of_squares and sum_doubles called directly: the launcher picks the number of blocks from n,
/// so other block counts (one block striding over everything, blocks left without work) are reached
/// only here. Every other kernel is tested through its launcher, in the backend parity tests.
/// </summary>
public sealed class SumOfSquaresKernelTests : HostKernelFixture
{
    /// <summary>The partial sums of any number of blocks, reduced on the device, give Σ x² (in double; only the order of the additions differs).</summary>
    [Test]
    public void SumOfSquares_AnyBlockCount_AddsUpToTheDefinition([Values(1, 3, 64)] int blocks)
    {
        var rng = new Random(22);
        const int n = 1000;
        var x = RandomFloats(rng, n, 10f);
        var partials = Upload<double>(Enumerable.Repeat(double.NaN, blocks).ToArray());
        var total = Upload<double>([double.NaN]);
        Run("sum_of_squares", new Dim3(blocks), new Dim3(BlockSize), 0, new KernelArgs { Upload<float>(x), n, partials });
        Run("sum_doubles", new Dim3(1), new Dim3(BlockSize), 0, new KernelArgs { partials, blocks, total });
        double expected = CpuBackend.Reference.SumOfSquares(x);
        Assert.That(partials.Download().Sum(), Is.EqualTo(expected).Within(1e-12 * expected));
        Assert.That(total.Download()[0], Is.EqualTo(expected).Within(1e-12 * expected));
    }
}
