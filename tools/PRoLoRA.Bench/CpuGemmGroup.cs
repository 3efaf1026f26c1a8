using PRoLoRA.Native.Backends.Cpu;

namespace PRoLoRA.Bench;

/// <summary>
/// CPU GEMM: CpuGemm against every BLAS found (<see cref="CblasLibrary.Known"/>: MKL, BLIS, OpenBLAS, each through its
/// cblas_sgemm with this process's core count) on <see cref="GemmBenchmark.Shapes"/> and on the products of the layer
/// group's PRoLoRA layer (<see cref="LoraProducts"/>), all interleaved in the same rounds on the same arrays.
/// Ratio gemm_vs_KEY[shape]: the median over rounds of ours / that library's time in the same round; gemm_vs_KEY: the
/// median of those over shapes. gemm_vs_best_blas[shape] compares with the library fastest (by median) on that shape.
/// </summary>
internal static class CpuGemmGroup
{
    private const string Group = "gemm";

    /// <summary>The ratio against the fastest BLAS on each shape.</summary>
    public const string BestRatio = "gemm_vs_best_blas";

    public static void Run(BenchContext ctx)
    {
        var (blas, absent) = CblasLibrary.All();
        ConsoleTable.Header(ctx.Output, $"gemm: CpuGemm vs {(blas.Count == 0 ? "no BLAS" : string.Join(", ", blas.Select(b => b.Name)))} " +
            $"(row-major, same arrays, interleaved; {Environment.ProcessorCount} threads each)");
        foreach (var library in blas)
        {
            ctx.Output.WriteLine($"   {library}");
        }
        foreach (string reason in absent)
        {
            ctx.Output.WriteLine($"   {reason}");
            ctx.Report.Note($"gemm: {reason}");
        }
        if (blas.Count == 0)
        {
            ctx.Report.Note("gemm: no BLAS found; timed ours only");
        }
        var shapes = ctx.Scale == BenchScale.Tiny
            ? [new GemmBenchmark.Shape("x·Aᵀ tiny", false, true, 64, 8, 256), new GemmBenchmark.Shape("dhᵀ·x tiny", true, false, 8, 256, 64)]
            : GemmBenchmark.Shapes(ctx.Scale == BenchScale.Quick).Concat(LayerProducts(ctx.Scale)).ToArray();
        var ratios = blas.Select(b => b.Key).Append("best_blas").ToDictionary(k => k, _ => new List<double>());
        foreach (var s in shapes)
        {
            var rng = new Random(1);
            var a = GemmBenchmark.Random(rng, s.M * s.K);
            var b = GemmBenchmark.Random(rng, s.K * s.N);
            var c = new float[s.M * s.N];
            int lda = s.TransA ? s.M : s.K, ldb = s.TransB ? s.K : s.N;
            var calls = new List<Action> { () => CpuGemm.Multiply(s.M, s.N, s.K, 1f, new GemmMatrix(a, 0, lda, s.TransA), new GemmMatrix(b, 0, ldb, s.TransB), 0f, new GemmMatrix(c, 0, s.N)) };
            calls.AddRange(blas.Select(library => (Action)(() => library.Sgemm(s.TransA, s.TransB, s.M, s.N, s.K, 1f, a, lda, b, ldb, 0f, c, s.N))));
            double gflop = 2.0 * s.M * s.N * s.K / 1e9;
            int settleMs = blas.Count > 0 && ctx.Scale != BenchScale.Tiny ? 150 : 0;
            // Short products get more rounds (about 10 s a shape, at a guessed 50 GFLOP/s): a few
            // milliseconds are at the mercy of where the scheduler puts the second thread.
            double roundMs = calls.Count * (settleMs + (gflop / 50 * 1e3));
            int reps = ctx.Scale switch { BenchScale.Full => Harness.RepsFor(roundMs, 10_000, 11, 31), BenchScale.Quick => 5, _ => 2 };
            var times = Harness.InterleavedTimes(ctx.Clock, calls, warmup: 3, reps, minWarmupMs: ctx.Scale == BenchScale.Tiny ? 0 : 300, settleMs: settleMs);
            var stats = times.Select(Stats.Of).ToArray();
            string shape = $"{s.M}x{s.N}x{s.K}{(s.TransA ? " Aᵀ" : "")}{(s.TransB ? " Bᵀ" : "")}";
            string label = string.Join(' ', s.Label.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            ctx.Record(new Measurement(Group, $"ours {label}", shape, stats[0], Gflops: gflop / (stats[0].MedianMs / 1e3)));
            for (int i = 0; i < blas.Count; i++)
            {
                ctx.Record(new Measurement(Group, $"{blas[i].Name} {label}", shape, stats[i + 1], Gflops: gflop / (stats[i + 1].MedianMs / 1e3)));
                double ratio = Stats.MedianRatio(times[0], times[i + 1]);
                ctx.Report.SetRatio($"gemm_vs_{blas[i].Key}[{label}]", ratio);
                ratios[blas[i].Key].Add(ratio);
            }
            if (blas.Count > 0)
            {
                int best = Enumerable.Range(1, blas.Count).MinBy(i => stats[i].MedianMs);
                double ratio = Stats.MedianRatio(times[0], times[best]);
                ctx.Report.SetRatio($"{BestRatio}[{label}]", ratio);
                ratios["best_blas"].Add(ratio);
                ctx.Output.WriteLine($"   fastest BLAS on {label}: {blas[best - 1].Name}; ours/it {ratio:F2}");
            }
        }
        foreach (var (key, values) in ratios)
        {
            ctx.Report.SetMedianRatio($"gemm_vs_{key}", values);
        }
    }

    /// <summary>The products of the layer group's PRoLoRA layer (4096→4096, r = 32) with the tape's operand layouts.</summary>
    private static IEnumerable<GemmBenchmark.Shape> LayerProducts(BenchScale scale) =>
        LoraProducts.Of(scale == BenchScale.Full ? 2048 : 512, 4096, 4096, 32)
            .Select(p => new GemmBenchmark.Shape($"layer {p.Label}", p.TransA, p.TransB, p.M, p.N, p.K));
}
