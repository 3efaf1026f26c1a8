namespace PRoLoRA.Native.Tests.HostKernels;

/// <summary>Element-wise comparisons of kernel output with the CPU backend's.</summary>
internal static class FloatAssert
{
    /// <summary>The default relative tolerance.</summary>
    public const float Relative = 1e-6f;

    // The smallest normal float: below it the relative bound becomes an absolute one.
    private const float SmallestNormal = 1.17549435e-38f;

    /// <summary>
    /// |actual − expected| ≤ relative·|expected| for every element (below the smallest normal float
    /// the bound is absolute); NaN must meet NaN. Reports the first mismatch with its index.
    /// </summary>
    public static void Close(float[] actual, float[] expected, string what, float relative = Relative)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), $"{what}: length");
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            bool ok = float.IsNaN(e) ? float.IsNaN(a) : MathF.Abs(a - e) <= relative * MathF.Max(MathF.Abs(e), SmallestNormal);
            if (!ok)
            {
                Assert.Fail($"{what}[{i}] = {a:R}, expected {e:R} (relative tolerance {relative})");
            }
        }
    }

    /// <summary>Bit-for-bit equality (NaN payloads and the sign of zero included).</summary>
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
