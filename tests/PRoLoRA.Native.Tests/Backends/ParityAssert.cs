namespace PRoLoRA.Native.Tests.BackendParity;

/// <summary>Comparisons of a backend's results with the CPU backend's.</summary>
internal static class ParityAssert
{
    /// <summary>Tolerance of matrix products (summation order differs between cuBLAS and the CPU loop).</summary>
    public const float GemmRelative = 1e-5f;

    /// <summary>Tolerance of every other op (the GPU may fuse a multiply-add).</summary>
    public const float Relative = 1e-6f;

    /// <summary>
    /// |actual − expected| ≤ relative · max(|expected|, 1) for every element: relative for values of
    /// magnitude above 1, absolute below (the inputs are O(1), so a cancellation to near zero is not a
    /// failure). NaN must meet NaN. Reports the first mismatch with its index.
    /// </summary>
    public static void Close(float[] actual, float[] expected, string what, float relative = Relative)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), $"{what}: length");
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            bool ok = float.IsNaN(e) ? float.IsNaN(a) : MathF.Abs(a - e) <= relative * MathF.Max(MathF.Abs(e), 1f);
            if (!ok)
            {
                Assert.Fail($"{what}[{i}] = {a:R}, expected {e:R} (tolerance {relative} relative to max(|expected|, 1))");
            }
        }
    }

    /// <summary>Bit-for-bit equality.</summary>
    public static void Exact(float[] actual, float[] expected, string what)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), $"{what}: length");
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(actual[i]) != BitConverter.SingleToInt32Bits(expected[i]))
            {
                Assert.Fail($"{what}[{i}] = {actual[i]:R}, expected {expected[i]:R} (bit-exact)");
            }
        }
    }
}
