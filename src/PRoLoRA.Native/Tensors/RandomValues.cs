namespace PRoLoRA.Native.Tensors;

/// <summary>Seeded host-side random data for initialisation.</summary>
internal static class RandomValues
{
    /// <summary><paramref name="count"/> values uniform in [−bound, bound), drawn from <paramref name="rng"/> in order.</summary>
    public static float[] Uniform(Random rng, int count, float bound)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)(((rng.NextDouble() * 2) - 1) * bound);
        }
        return values;
    }
}
