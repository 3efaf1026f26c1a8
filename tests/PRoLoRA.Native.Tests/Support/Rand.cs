namespace PRoLoRA.Native.Tests.Support;

/// <summary>Seeded random data for tests.</summary>
public static class Rand
{
    /// <summary>Uniform values in [−scale, scale).</summary>
    public static float[] Uniform(int seed, long count, float scale = 1f)
    {
        var rng = new Random(seed);
        var data = new float[count];
        for (long i = 0; i < count; i++)
        {
            data[i] = (float)(((rng.NextDouble() * 2) - 1) * scale);
        }
        return data;
    }
}
