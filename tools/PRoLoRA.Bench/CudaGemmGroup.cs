using PRoLoRA.Native.Backends.Cuda;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Bench;

/// <summary>
/// GPU GEMM: CudaBackend.Gemm on a LoRA layer's products, with the operand layouts the tape gives
/// them, against cuBLAS's best for the same product. "Best" is the fastest of the four ways to store
/// the operands (A as M×K or K×M, B as K×N or N×K, row-major C) with cublasSgemm called directly
/// through the interop (IKernelDevice.Sgemm) on contiguous buffers: what any layout choice of ours could get from cuBLAS.
/// fraction = best time / our time; ratio gemm_vs_cublas_best = median over products of ours / best.
/// </summary>
internal static class CudaGemmGroup
{
    private const string Group = "gemm";

    public static void Run(BenchContext ctx, IKernelDevice device)
    {
        ConsoleTable.Header(ctx.Output, "gemm: CudaBackend.Gemm vs cuBLAS's best layout (fraction = best / ours)");
        var (tokens, features, r) = ctx.Scale switch
        {
            BenchScale.Full => (2048, 4096, 32),
            BenchScale.Quick => (512, 4096, 32),
            _ => (64, 256, 8),
        };
        int reps = ctx.Scale == BenchScale.Tiny ? 2 : 20;
        var ratios = new List<double>();
        foreach (var p in LoraProducts.Of(tokens, features, features, r))
        {
            double ratio = Measure(ctx, device, p, reps);
            ratios.Add(ratio);
            ctx.Report.SetRatio($"gemm_vs_cublas_best[{p.Label}]", ratio);
        }
        ctx.Report.SetMedianRatio("gemm_vs_cublas_best", ratios);
        ctx.Report.Note("gemm_vs_best_blas and gemm_vs_openblas are CPU ratios; on the GPU see gemm_vs_cublas_best");
    }

    private static double Measure(BenchContext ctx, IKernelDevice device, LoraProducts.Product p, int reps)
    {
        var be = ctx.Backend;
        using var a = ctx.Random(new Shape(p.M, p.K), 1);
        using var at = ctx.Random(new Shape(p.K, p.M), 2);
        using var b = ctx.Random(new Shape(p.K, p.N), 3);
        using var bt = ctx.Random(new Shape(p.N, p.K), 4);
        using var c = be.Empty(new Shape(p.M, p.N));
        var ours = () => be.Gemm(p.TransA ? at.T : a, p.TransB ? bt.T : b, c);
        var direct = new List<Action>();
        foreach (bool storeAt in new[] { false, true })
        {
            foreach (bool storeBt in new[] { false, true })
            {
                // Row-major C = op(A)·op(B) is column-major Cᵀ = op(B)ᵀ·op(A)ᵀ (see CudaBackend.Gemm).
                IntPtr pa = Pointer(storeAt ? at : a), pb = Pointer(storeBt ? bt : b), pc = Pointer(c);
                int lda = storeAt ? p.M : p.K, ldb = storeBt ? p.K : p.N;
                direct.Add(() => device.Sgemm(storeBt, storeAt, p.N, p.M, p.K, 1f, pb, ldb, pa, lda, 0f, pc, p.N));
            }
        }
        const int batch = 10;  // back to back, so that the events time the GPU, not the host's launch latency
        var stats = Harness.Interleaved(ctx.Clock, [.. new[] { ours }.Concat(direct).Select(call => Harness.Batch(call, batch))], warmup: 3, reps,
            minWarmupMs: ctx.Scale == BenchScale.Tiny ? 0 : 100).Select(s => s.PerCall(batch)).ToArray();
        int best = 1 + Enumerable.Range(0, direct.Count).MinBy(i => stats[1 + i].MedianMs);
        double gflop = 2.0 * p.M * p.N * p.K / 1e9;
        string shape = $"{p.M}x{p.N}x{p.K}";
        double fraction = stats[best].MedianMs / stats[0].MedianMs;
        ctx.Record(new Measurement(Group, $"ours {p.Label}", shape, stats[0], Gflops: gflop / (stats[0].MedianMs / 1e3), Fraction: fraction));
        string layout = $"{((best - 1) / 2 == 1 ? "A:KxM" : "A:MxK")} {((best - 1) % 2 == 1 ? "B:NxK" : "B:KxN")}";
        ctx.Record(new Measurement(Group, $"cuBLAS best ({layout})", shape, stats[best], Gflops: gflop / (stats[best].MedianMs / 1e3)));
        return stats[0].MedianMs / stats[best].MedianMs;
    }

    private static IntPtr Pointer(Tensor t) => ((DeviceStorage)t.Storage).Pointer + (nint)(t.Offset * sizeof(float));
}
