using System.Diagnostics;
using PRoLoRA.Native.Backends.Cpu;

namespace PRoLoRA.Bench;

/// <summary>
/// CpuGemm against OpenBLAS on the shapes a LoRA layer runs (N tokens, in/out features, rank r) and
/// a square reference: median GFLOP/s of several timed runs after a warm-up, side by side.
/// </summary>
internal static class GemmBenchmark
{
    /// <summary>One product: its label, op(A) (M×K) and op(B) (K×N) with their storage.</summary>
    private sealed record Shape(string Label, bool TransA, bool TransB, int M, int N, int K);

    private static IEnumerable<Shape> Shapes(bool quick)
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

    public static int Run(bool quick, TextWriter output)
    {
        bool haveBlas = OpenBlas.TryLoad(out string reason);
        if (!haveBlas)
        {
            output.WriteLine($"note: {reason}; timing ours only");
        }
        output.WriteLine($"threads {Environment.ProcessorCount}, kernel {(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "512-bit" : "256-bit")}, " +
            $"OPENBLAS_CORETYPE={Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") ?? "(unset)"}");
        output.WriteLine($"{"shape",-30} {"M",6} {"N",6} {"K",6} {"ours",8} {"OpenBLAS",9} {"ratio",6}   (GFLOP/s, median)");
        int repeats = quick ? 5 : 11;
        foreach (var s in Shapes(quick))
        {
            var rng = new Random(1);
            var a = Random(rng, s.M * s.K);
            var b = Random(rng, s.K * s.N);
            var c = new float[s.M * s.N];
            int lda = s.TransA ? s.M : s.K, ldb = s.TransB ? s.K : s.N;
            double flops = 2.0 * s.M * s.N * s.K;
            double ours = flops / Median(repeats, () => CpuGemm.Multiply(s.TransA, s.TransB, s.M, s.N, s.K, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, s.N)) / 1e9;
            string theirs = "-", ratio = "-";
            if (haveBlas)
            {
                double blas = flops / Median(repeats, () => OpenBlas.Sgemm(s.TransA, s.TransB, s.M, s.N, s.K, 1f, a, lda, b, ldb, 0f, c, s.N)) / 1e9;
                (theirs, ratio) = ($"{blas,9:F1}", $"{ours / blas,6:F2}");
            }
            output.WriteLine($"{s.Label,-30} {s.M,6} {s.N,6} {s.K,6} {ours,8:F1} {theirs,9} {ratio,6}");
        }
        return 0;
    }

    // Seconds per call: the median of timed runs after warm-up calls (JIT tiers, page faults, pools).
    private static double Median(int repeats, Action call)
    {
        for (int i = 0; i < 3; i++)
        {
            call();
        }
        var times = new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            long start = Stopwatch.GetTimestamp();
            call();
            times[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        Array.Sort(times);
        return times[repeats / 2];
    }

    private static float[] Random(Random rng, int count)
    {
        var data = new float[count];
        for (int i = 0; i < count; i++)
        {
            data[i] = (float)((rng.NextDouble() * 2) - 1);
        }
        return data;
    }
}
