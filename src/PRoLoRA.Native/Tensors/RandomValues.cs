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

    /// <summary>
    /// <paramref name="count"/> values normal with mean 0 and standard deviation <paramref name="std"/>
    /// (Box–Muller in double, both values of each pair used), drawn from <paramref name="rng"/> in order.
    /// </summary>
    public static float[] Normal(Random rng, int count, float std)
    {
        var values = new float[count];
        for (int i = 0; i < count; i += 2)
        {
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            double radius = Math.Sqrt(-2.0 * Math.Log(u1)) * std;
            values[i] = (float)(radius * Math.Cos(2.0 * Math.PI * u2));
            if (i + 1 < count)
            {
                values[i + 1] = (float)(radius * Math.Sin(2.0 * Math.PI * u2));
            }
        }
        return values;
    }
}
