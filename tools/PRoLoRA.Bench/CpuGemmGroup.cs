using PRoLoRA.Native.Backends.Cpu;

namespace PRoLoRA.Bench;

/// <summary>
/// CPU GEMM: CpuGemm against OpenBLAS's cblas_sgemm on <see cref="GemmBenchmark.Shapes"/> and on the
/// products of the layer group's PRoLoRA layer (<see cref="LoraProducts"/>), the two interleaved on the same arrays.
/// Ratio gemm_vs_openblas[shape]: the median over rounds of ours / OpenBLAS time in the same round;
/// gemm_vs_openblas: the median of those over shapes.
/// </summary>
internal static class CpuGemmGroup
{
    private const string Group = "gemm";

    public static void Run(BenchContext ctx)
    {
        ConsoleTable.Header(ctx.Output, $"gemm: CpuGemm vs OpenBLAS (row-major, same arrays, interleaved; {Environment.ProcessorCount} threads, " +
            $"OPENBLAS_NUM_THREADS={Environment.GetEnvironmentVariable("OPENBLAS_NUM_THREADS") ?? "unset"})");
        bool haveBlas = OpenBlas.TryLoad(out string reason);
        if (!haveBlas)
        {
            ctx.Report.Note($"gemm: {reason}; timed ours only");
        }
        var shapes = ctx.Scale == BenchScale.Tiny
            ? [new GemmBenchmark.Shape("x·Aᵀ tiny", false, true, 64, 8, 256), new GemmBenchmark.Shape("dhᵀ·x tiny", true, false, 8, 256, 64)]
            : GemmBenchmark.Shapes(ctx.Scale == BenchScale.Quick).Concat(LayerProducts(ctx.Scale)).ToArray();
        var ratios = new List<double>();
        foreach (var s in shapes)
        {
            var rng = new Random(1);
            var a = GemmBenchmark.Random(rng, s.M * s.K);
            var b = GemmBenchmark.Random(rng, s.K * s.N);
            var c = new float[s.M * s.N];
            int lda = s.TransA ? s.M : s.K, ldb = s.TransB ? s.K : s.N;
            var calls = new List<Action> { () => CpuGemm.Multiply(s.M, s.N, s.K, 1f, new GemmMatrix(a, 0, lda, s.TransA), new GemmMatrix(b, 0, ldb, s.TransB), 0f, new GemmMatrix(c, 0, s.N)) };
            if (haveBlas)
            {
                calls.Add(() => OpenBlas.Sgemm(s.TransA, s.TransB, s.M, s.N, s.K, 1f, a, lda, b, ldb, 0f, c, s.N));
            }
            double gflop = 2.0 * s.M * s.N * s.K / 1e9;
            int settleMs = haveBlas && ctx.Scale != BenchScale.Tiny ? 150 : 0;
            // Short products get more rounds (about 10 s a shape, at a guessed 50 GFLOP/s): a few
            // milliseconds are at the mercy of where the scheduler puts the second thread.
            double roundMs = calls.Count * (settleMs + (gflop / 50 * 1e3));
            int reps = ctx.Scale switch { BenchScale.Full => Harness.RepsFor(roundMs, 10_000, 11, 31), BenchScale.Quick => 5, _ => 2 };
            var times = Harness.InterleavedTimes(ctx.Clock, calls, warmup: 3, reps, minWarmupMs: ctx.Scale == BenchScale.Tiny ? 0 : 300, settleMs: settleMs);
            var stats = times.Select(Stats.Of).ToArray();
            string shape = $"{s.M}x{s.N}x{s.K}{(s.TransA ? " Aᵀ" : "")}{(s.TransB ? " Bᵀ" : "")}";
            string label = string.Join(' ', s.Label.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            ctx.Record(new Measurement(Group, $"ours {label}", shape, stats[0], Gflops: gflop / (stats[0].MedianMs / 1e3)));
            if (haveBlas)
            {
                ctx.Record(new Measurement(Group, $"OpenBLAS {label}", shape, stats[1], Gflops: gflop / (stats[1].MedianMs / 1e3)));
                double ratio = Stats.MedianRatio(times[0], times[1]);
                ctx.Report.SetRatio($"gemm_vs_openblas[{label}]", ratio);
                ratios.Add(ratio);
            }
        }
        ctx.Report.SetMedianRatio("gemm_vs_openblas", ratios);
    }

    /// <summary>The products of the layer group's PRoLoRA layer (4096→4096, r = 32) with the tape's operand layouts.</summary>
    private static IEnumerable<GemmBenchmark.Shape> LayerProducts(BenchScale scale) =>
        LoraProducts.Of(scale == BenchScale.Full ? 2048 : 512, 4096, 4096, 32)
            .Select(p => new GemmBenchmark.Shape($"layer {p.Label}", p.TransA, p.TransB, p.M, p.N, p.K));
}
