namespace PRoLoRA.Native.Backends;

/// <summary>
/// The counter-based generator behind dropout: a SplitMix64 finaliser of (seed, index), so that
/// every backend (and cuda/rng.cuh, its twin) draws the same mask without shared state.
/// </summary>
internal static class DropoutRng
{
    /// <summary>A uniform value in [0, 1) with 24 random bits for element <paramref name="index"/>.</summary>
    public static float Uniform(ulong seed, ulong index)
    {
        ulong z = seed + ((index + 1) * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 40) * (1f / 16777216f);
    }

    /// <summary>True when element <paramref name="index"/> is kept at drop probability <paramref name="p"/>.</summary>
    public static bool Keep(ulong seed, ulong index, float p) => Uniform(seed, index) >= p;
}
