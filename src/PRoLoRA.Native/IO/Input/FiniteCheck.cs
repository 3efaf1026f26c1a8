using System.Numerics;
using System.Runtime.InteropServices;

namespace PRoLoRA.Native.IO.Input;

/// <summary>
/// Rejects NaN and ±Inf where they would spread silently: one NaN in an adapter becomes a whole row
/// and column of NaN in the merged weight. PEFT's safe_merge checks the same.
/// </summary>
internal static class FiniteCheck
{
    private const uint ExponentBits = 0x7F800000u;

    /// <summary>Throws an <see cref="InvalidDataException"/> "<paramref name="where"/> holds ..." when <paramref name="values"/> holds NaN or ±Inf.</summary>
    public static void Require(ReadOnlySpan<float> values, string where)
    {
        int first = IndexOfNonFinite(values);
        if (first < 0)
        {
            return;
        }
        int count = 0;
        foreach (float v in values[first..])
        {
            count += float.IsFinite(v) ? 0 : 1;
        }
        throw new InvalidDataException(
            $"{where} holds {count} non-finite value{(count == 1 ? "" : "s")} (the first, {values[first]}, at element {first}); " +
            "non-finite values are refused unless allowed (--allow-nonfinite)");
    }

    /// <summary>The index of the first NaN or ±Inf (all exponent bits set), or −1.</summary>
    public static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        var bits = MemoryMarshal.Cast<float, uint>(values);
        var exponent = new Vector<uint>(ExponentBits);
        int i = 0;
        for (; i <= bits.Length - Vector<uint>.Count; i += Vector<uint>.Count)
        {
            if (Vector.EqualsAny(new Vector<uint>(bits[i..]) & exponent, exponent))
            {
                break;
            }
        }
        for (; i < bits.Length; i++)
        {
            if ((bits[i] & ExponentBits) == ExponentBits)
            {
                return i;
            }
        }
        return -1;
    }
}
