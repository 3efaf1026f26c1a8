namespace PRoLoRA.Bench;

/// <summary>
/// Random storage fast enough for a 7B-shaped model (billions of values): xorshift64* over all cores,
/// each chunk seeded from its index, so the contents are deterministic in the seed. For timing and
/// memory only: the values are noise, not a trained model's.
/// </summary>
internal static class FastRandom
{
    private const int Chunk = 1 << 20;

    /// <summary>Random bytes (two random NF4 codes a byte).</summary>
    public static byte[] Bytes(long count, ulong seed)
    {
        var data = new byte[count];
        Fill(count, seed, (start, end, state) =>
        {
            for (long i = start; i < end; i++)
            {
                data[i] = (byte)Next(ref state);
            }
        });
        return data;
    }

    /// <summary>
    /// Random bfloat16 bits of values spread like a linear's weights: a random sign, a magnitude in
    /// [2⁻⁸, 2⁻⁴) (about 0.004 to 0.06) with a random mantissa.
    /// </summary>
    public static ushort[] BFloat16(long count, ulong seed)
    {
        var data = new ushort[count];
        Fill(count, seed, (start, end, state) =>
        {
            for (long i = start; i < end; i++)
            {
                ulong r = Next(ref state);
                uint sign = (uint)(r & 1) << 15, exponent = 119 + (uint)((r >> 1) & 3), mantissa = (uint)(r >> 3) & 0x7F;
                data[i] = (ushort)(sign | (exponent << 7) | mantissa);
            }
        });
        return data;
    }

    /// <summary>Random floats uniform in [low, high).</summary>
    public static float[] Uniform(long count, float low, float high, ulong seed)
    {
        var data = new float[count];
        Fill(count, seed, (start, end, state) =>
        {
            for (long i = start; i < end; i++)
            {
                data[i] = low + ((high - low) * ((Next(ref state) >> 40) * (1f / (1 << 24))));
            }
        });
        return data;
    }

    // Chunks of a million run in parallel, each with its own generator state.
    private static void Fill(long count, ulong seed, Action<long, long, ulong> chunk)
    {
        long chunks = (count + Chunk - 1) / Chunk;
        Parallel.For(0L, chunks, c =>
        {
            ulong state = Mix(seed ^ ((ulong)c * 0x9E3779B97F4A7C15UL)) | 1;
            chunk(c * Chunk, Math.Min(count, (c + 1) * Chunk), state);
        });
    }

    private static ulong Next(ref ulong state)
    {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        return state * 0x2545F4914F6CDD1DUL;
    }

    // splitmix64's finaliser: nearby seeds give unrelated states.
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
