using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.BackendParity;

/// <summary>Comparisons of a backend's results with the ops' plain formulas.</summary>
internal static class ParityAssert
{
    /// <summary>Tolerance of matrix products (summation order differs between cuBLAS and the CPU loop).</summary>
    public const float GemmRelative = 1e-5f;

    /// <summary>Tolerance of sums over up to a few dozen float terms (the backends add in float, the reference in double).</summary>
    public const float SumRelative = 1e-5f;

    /// <summary>Tolerance of every other op (the GPU may fuse a multiply-add).</summary>
    public const float Relative = 1e-6f;

    /// <summary>
    /// |actual − expected| ≤ relative · max(|expected|, 1) for every element: relative for values of
    /// magnitude above 1, absolute below (the inputs are O(1), so a cancellation to near zero is not a
    /// failure). NaN must meet NaN.
    /// </summary>
    public static void Close(float[] actual, float[] expected, string what, float relative = Relative)
        => FloatAssert.Close(actual, expected, what, relative, floor: 1f);

    /// <summary>Bit-for-bit equality.</summary>
    public static void Exact(float[] actual, float[] expected, string what) => FloatAssert.Exact(actual, expected, what);
}
