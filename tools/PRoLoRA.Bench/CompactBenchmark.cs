using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Bench;

/// <summary>
/// The adapter's inference delta y += s·x·Aᵀ·Bᵀ at decode-like shapes (few rows), two ways: the
/// compact products (<see cref="ProLoraAdapter.CompactDelta"/>: A and B never built) and
/// materialise-then-GEMM (BroadcastRoll of A and Bᵀ into preallocated tensors, then two GEMMs).
/// Ratio compact_vs_materialised[shape]: compact / materialised median time (below 1: compact faster),
/// and its median over the shapes. Repetitions of the two interleave.
/// </summary>
internal static class CompactBenchmark
{
    private const string Group = "compact";

    public static void Run(BenchContext ctx)
    {
        ConsoleTable.Header(ctx.Output, "compact: adapter delta from the chunks vs materialise-then-GEMM (inference, interleaved)");
        var (dim, rowCounts, ranks, sharings, reps) = ctx.Scale switch
        {
            BenchScale.Full => (4096, new[] { 1, 8, 64 }, new[] { 8, 64 }, new[] { 1, 4, 8 }, 50),
            BenchScale.Quick => (4096, new[] { 1, 16 }, new[] { 8, 32 }, new[] { 1, 8 }, 20),
            _ => (64, new[] { 1, 4 }, new[] { 8 }, new[] { 1, 4 }, 2),
        };
        var ratios = new List<double>();
        foreach (int r in ranks)
        {
            foreach (int m in sharings)
            {
                foreach (int rows in rowCounts)
                {
                    ratios.Add(Measure(ctx, dim, rows, r, m, reps));
                }
            }
        }
        ctx.Report.SetMedianRatio("compact_vs_materialised", ratios);
    }

    private static double Measure(BenchContext ctx, int dim, int rows, int r, int m, int reps)
    {
        var be = ctx.Backend;
        var config = ProLoraConfig.ProLora(dim, dim, r, Math.Max(r / 8, 1), m, m);
        using var adapter = ProLoraAdapter.Create(config, be);
        using (var chunkB = ctx.Random(adapter.ChunkB.Shape, 5, 0.05f))
        {
            be.Copy(chunkB, adapter.ChunkB.Value);
        }
        using var x = ctx.Random(new Shape(rows, dim), 7);
        using var y = be.Zeros(new Shape(rows, dim));
        using var a = be.Empty(new Shape(r, dim));
        using var b = be.Empty(new Shape(dim, r));
        using var h = be.Empty(new Shape(rows, r));
        float s = config.Scaling;
        Action compact = () => adapter.CompactDelta(x, y, s);
        Action materialised = () =>
        {
            be.BroadcastRoll(adapter.ChunkA.Value, adapter.VecA.Value, a, config.ShiftA);
            be.BroadcastRoll(adapter.ChunkB.Value.T, adapter.VecB.Value, b.T, config.ShiftB);
            be.Gemm(x, a.T, h);
            be.Gemm(h, b.T, y, s, 1f);
        };
        int batch = ctx.OnGpu ? 20 : 1;
        var stats = Harness.Interleaved(ctx.Clock, [Harness.Batch(compact, batch), Harness.Batch(materialised, batch)], warmup: 10, reps,
            minWarmupMs: ctx.Scale == BenchScale.Tiny ? 0 : 200);
        string shape = $"in=out={dim} N={rows} r={r} u={config.UnsharedRank} m=n={m}";
        double gflop = 2.0 * rows * r * (2.0 * dim) / 1e9;
        string[] names = ["compact delta", "materialise + GEMM delta"];
        for (int i = 0; i < 2; i++)
        {
            stats[i] = stats[i].PerCall(batch);
            ctx.Record(new Measurement(Group, names[i], shape, stats[i], Gflops: gflop / (stats[i].MedianMs / 1e3)));
        }
        double ratio = stats[0].MedianMs / stats[1].MedianMs;
        ctx.Report.SetRatio($"compact_vs_materialised[{shape}]", ratio);
        return ratio;
    }
}
