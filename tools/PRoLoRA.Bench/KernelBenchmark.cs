using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Bench;

/// <summary>
/// Broadcast-with-roll and its gradient for A and B at LLaMA sizes, through the backend's
/// BroadcastRoll/BroadcastRollGrad with the same views the tape uses (A row-major; B built as Bᵀ
/// views of a row-major B and chunk_b, as TapeOps.BroadcastRollB does). Reported as time and
/// effective bandwidth (bytes the op must move / time), and as a fraction of a plain device copy's
/// bandwidth measured in the same run (a large memcpy on the CPU, a device-to-device copy on the GPU).
/// On the GPU each timed repetition queues 20 calls back to back (CUDA events around one short launch
/// would time the host's launch latency) and reports the time per call.
/// </summary>
internal static class KernelBenchmark
{
    private const string Group = "kernels";

    public static void Run(BenchContext ctx)
    {
        ConsoleTable.Header(ctx.Output, "kernels: broadcast-roll and the reductions (fraction = GB/s over the copy's GB/s)");
        double copyGbps = CopyBandwidth(ctx);
        var (dims, ranks, rates, reps) = ctx.Scale switch
        {
            BenchScale.Full => (new[] { 4096, 11008 }, new[] { 8, 32, 64 }, new[] { 2, 7, 8 }, 50),
            BenchScale.Quick => ([4096], [8, 32], [2, 7], 20),
            _ => ([256], [8], [2], 2),
        };
        foreach (int dim in dims)
        {
            foreach (int r in ranks)
            {
                foreach (int m in rates)
                {
                    Measure(ctx, dim, r, Math.Max(r / 8, 1), m, reps, copyGbps);
                }
            }
        }
        ReductionBenchmark.Run(ctx, copyGbps);
    }

    /// <summary>GB/s of copying a buffer much larger than the caches (bytes read + bytes written).</summary>
    private static double CopyBandwidth(BenchContext ctx)
    {
        int floats = ctx.Scale switch
        {
            BenchScale.Full => ctx.OnGpu ? 256 << 20 : 64 << 20,
            BenchScale.Quick => 16 << 20,
            _ => 1 << 20,
        };
        using var src = ctx.Random(new Shape(floats), 1);
        using var dst = ctx.Backend.Empty(new Shape(floats));
        var stats = Harness.Measure(ctx.Clock, () => ctx.Backend.Copy(src, dst), warmup: 3, reps: ctx.Scale == BenchScale.Full ? 10 : 3, minWarmupMs: ctx.Scale == BenchScale.Tiny ? 0 : 300);
        double gbps = 2.0 * floats * sizeof(float) / (stats.MedianMs * 1e6);
        ctx.Record(new Measurement(Group, ctx.OnGpu ? "device-to-device copy" : "memcpy", $"{(long)floats * sizeof(float) >> 20} MiB", stats, Gbps: gbps, Fraction: 1));
        return gbps;
    }

    private static void Measure(BenchContext ctx, int dim, int r, int u, int m, int reps, double copyGbps)
    {
        var be = ctx.Backend;
        int rs = r - u, cs = (dim + m - 1) / m, shift = Math.Max(rs / m, 1);
        string shape = $"dim={dim} r={r} u={u} m={m}";
        long chunkBytes = (long)rs * cs * sizeof(float), vecBytes = (long)u * dim * sizeof(float), fullBytes = (long)r * dim * sizeof(float);
        long forwardBytes = chunkBytes + vecBytes + fullBytes;
        long gradientBytes = fullBytes + (2 * (chunkBytes + vecBytes));  // beta = 1, as the tape: read and write the gradients

        using var chunkA = ctx.Random(new Shape(rs, cs), 2);
        using var vecA = ctx.Random(new Shape(u, dim), 3);
        using var a = be.Empty(new Shape(r, dim));
        using var chunkB = ctx.Random(new Shape(cs, rs), 4);
        using var vecB = ctx.Random(new Shape(u, dim), 5);
        using var b = be.Empty(new Shape(dim, r));
        using var dA = ctx.Random(new Shape(r, dim), 6);
        using var dB = ctx.Random(new Shape(dim, r), 7);
        using var dChunkA = be.Zeros(chunkA.Shape);
        using var dVecA = be.Zeros(vecA.Shape);
        using var dChunkB = be.Zeros(chunkB.Shape);
        using var dVecB = be.Zeros(vecB.Shape);

        var ops = new (string Name, long Bytes, Action Call)[]
        {
            ("A forward", forwardBytes, () => be.BroadcastRoll(chunkA, vecA, a, shift)),
            ("A gradient", gradientBytes, () => be.BroadcastRollGrad(dA, dChunkA, dVecA, shift, 1f)),
            ("B forward (Bᵀ views)", forwardBytes, () => be.BroadcastRoll(chunkB.T, vecB, b.T, shift)),
            ("B gradient (Bᵀ views)", gradientBytes, () => be.BroadcastRollGrad(dB.T, dChunkB.T, dVecB, shift, 1f)),
        };
        int batch = ctx.OnGpu ? 20 : 1;
        var stats = Harness.Interleaved(ctx.Clock, [.. ops.Select(o => Harness.Batch(o.Call, batch))], warmup: 40, reps,
            minWarmupMs: ctx.Scale == BenchScale.Tiny ? 0 : 300);
        for (int i = 0; i < ops.Length; i++)
        {
            stats[i] = stats[i].PerCall(batch);
            double gbps = ops[i].Bytes / (stats[i].MedianMs * 1e6);
            ctx.Record(new Measurement(Group, ops[i].Name, shape, stats[i], Gbps: gbps, Fraction: gbps / copyGbps));
        }
    }
}
