namespace PRoLoRA.Native.Tests.BackendParity;

/// <summary>Seeds solved for a chosen draw of <see cref="PRoLoRA.Native.Backends.DropoutRng"/>: its SplitMix64 finaliser run backwards.</summary>
internal static class DropoutSeeds
{
    /// <summary>A seed for which DropoutRng.Uniform of element <paramref name="index"/> is bits24 / 2²⁴.</summary>
    public static ulong Drawing(ulong index, ulong bits24)
    {
        ulong z = (bits24 << 40) | 0x5A5A5A5AUL; // the low 40 bits are not drawn; any value will do
        z = UndoXorShift(z, 31);
        z = UndoXorShift(z * Inverse(0x94D049BB133111EBUL), 27);
        z = UndoXorShift(z * Inverse(0xBF58476D1CE4E5B9UL), 30);
        return z - ((index + 1) * 0x9E3779B97F4A7C15UL);
    }

    // y = x ^ (x >> s) is inverted by x = y ^ (y >> s) ^ (y >> 2s) ^ ...
    private static ulong UndoXorShift(ulong y, int shift)
    {
        ulong x = y;
        for (int s = shift; s < 64; s += shift)
        {
            x ^= y >> s;
        }
        return x;
    }

    // The inverse of an odd number modulo 2⁶⁴ (Newton's iteration doubles the correct bits each step).
    private static ulong Inverse(ulong odd)
    {
        ulong inverse = odd;
        for (int i = 0; i < 6; i++)
        {
            inverse *= 2 - (odd * inverse);
        }
        return inverse;
    }
}
