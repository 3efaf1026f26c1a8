namespace PRoLoRA.Bench;

/// <summary>
/// The shapes on which CpuGemm is compared with each BLAS found (<see cref="CpuGemmGroup"/> times them): the
/// products a LoRA layer runs (N tokens, in/out features, rank r) and a square reference.
/// </summary>
internal static class GemmBenchmark
{
    /// <summary>One product: its label, op(A) (M×K) and op(B) (K×N) with their storage.</summary>
    internal sealed record Shape(string Label, bool TransA, bool TransB, int M, int N, int K);

    internal static IEnumerable<Shape> Shapes(bool quick)
    {
        const int tokens = 2048, features = 4096;
        yield return new("x·Aᵀ   (N×in)(in×r)", false, true, tokens, 16, features);
        yield return new("h·Bᵀ   (N×r)(r×out)", false, true, tokens, features, 16);
        yield return new("dAᵀ-style dhᵀ·x (r×N)(N×in)", true, false, 16, features, tokens);
        yield return new("1024³", false, false, 1024, 1024, 1024);
        if (quick)
        {
            yield break;
        }
        yield return new("x·W    (N×in)(in×r)", false, false, tokens, 16, features);
        yield return new("h·B    (N×r)(r×out)", false, false, tokens, features, 16);
        yield return new("dB-style dyᵀ·h (out×N)(N×r)", true, false, features, 16, tokens);
        foreach (int r in new[] { 32 })
        {
            yield return new($"x·Aᵀ   r={r}", false, true, tokens, r, features);
            yield return new($"h·Bᵀ   r={r}", false, true, tokens, features, r);
            yield return new($"dhᵀ·x  r={r}", true, false, r, features, tokens);
            yield return new($"dyᵀ·h  r={r}", true, false, features, r, tokens);
        }
    }

    internal static float[] Random(Random rng, int count)
    {
        var data = new float[count];
        for (int i = 0; i < count; i++)
        {
            data[i] = (float)((rng.NextDouble() * 2) - 1);
        }
        return data;
    }
}
