namespace PRoLoRA.Native.Tests.Support;

/// <summary>Element-wise comparisons of float arrays (kernel or backend output against the CPU backend's).</summary>
internal static class FloatAssert
{
    /// <summary>The default relative tolerance.</summary>
    public const float Relative = 1e-6f;

    /// <summary>The smallest normal float: the default floor of the relative bound.</summary>
    public const float SmallestNormal = 1.17549435e-38f;

    /// <summary>
    /// |actual − expected| ≤ relative·max(|expected|, floor) for every element (below the floor the
    /// bound is absolute); NaN must meet NaN and an infinity the same infinity. Reports the first mismatch with its index.
    /// </summary>
    public static void Close(float[] actual, float[] expected, string what, float relative = Relative, float floor = SmallestNormal)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), $"{what}: length");
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            bool ok = float.IsNaN(e) ? float.IsNaN(a) : a == e || MathF.Abs(a - e) <= relative * MathF.Max(MathF.Abs(e), floor);
            if (!ok)
            {
                Assert.Fail($"{what}[{i}] = {a:R}, expected {e:R} (tolerance {relative} relative to max(|expected|, {floor}))");
            }
        }
    }

    /// <summary>
    /// Bit-for-bit equality, the sign of zero included; a NaN meets any NaN (IEEE leaves payloads to the
    /// hardware: a GPU's NaN-propagating max returns the canonical NaN, not its input's bits).
    /// </summary>
    public static void Exact(float[] actual, float[] expected, string what)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), $"{what}: length");
        for (int i = 0; i < expected.Length; i++)
        {
            bool same = float.IsNaN(expected[i]) ? float.IsNaN(actual[i]) : BitConverter.SingleToInt32Bits(actual[i]) == BitConverter.SingleToInt32Bits(expected[i]);
            if (!same)
            {
                Assert.Fail($"{what}[{i}] = {actual[i]:R}, expected {expected[i]:R} (bit-exact)");
            }
        }
    }
}
