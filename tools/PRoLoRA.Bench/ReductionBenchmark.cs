using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Bench;

/// <summary>
/// The kernels that reduce or reorder (softmax cross-entropy over a vocabulary, the bias gradient's
/// column sums, the squared norm of gradient clipping, the copy of a transposed view), reported
/// like the broadcast-roll kernels: the bytes each must move at least (read once, write once) over
/// its time, and that as a fraction of a plain device copy's bandwidth in the same run.
/// </summary>
internal static class ReductionBenchmark
{
    private const string Group = "kernels";

    public static void Run(BenchContext ctx, double copyGbps)
    {
        var (rows, vocabulary, width, reps) = ctx.Scale switch
        {
            BenchScale.Full => (ctx.OnGpu ? 2048 : 256, 32000, 4096, 30),
            BenchScale.Quick => (256, 8000, 1024, 10),
            _ => (8, 100, 64, 2),
        };
        var be = ctx.Backend;
        int[] targets = [.. Enumerable.Range(0, rows).Select(i => (i * 7919) % vocabulary)];
        using var logits = ctx.Random(new Shape(rows, vocabulary), 11);
        using var dLogits = be.Empty(logits.Shape);
        using var activations = ctx.Random(new Shape(rows, width), 12);
        using var bias = be.Zeros(new Shape(width));
        using var square = ctx.Random(new Shape(width, width), 13);
        using var copy = be.Empty(square.Shape);
        long f = sizeof(float);
        var ops = new (string Name, string Shape, long Bytes, Action Call)[]
        {
            ("softmax cross-entropy", $"{rows}×{vocabulary}", 2 * logits.Count * f, () => be.SoftmaxCrossEntropy(logits, targets, dLogits)),
            ("sum rows (bias gradient)", $"{rows}×{width}", (activations.Count + width) * f, () => be.SumRows(activations, bias, 0f)),
            ("sum of squares", $"{activations.Count}", activations.Count * f, () => be.SumOfSquares(activations)),
            ("copy of a transpose", $"{width}×{width}", 2 * square.Count * f, () => be.Copy(square.T, copy)),
        };
        int batch = ctx.OnGpu ? 20 : 1;
        var stats = Harness.Interleaved(ctx.Clock, [.. ops.Select(o => Harness.Batch(o.Call, batch))], warmup: 10, reps,
            minWarmupMs: ctx.Scale == BenchScale.Tiny ? 0 : 300);
        for (int i = 0; i < ops.Length; i++)
        {
            stats[i] = stats[i].PerCall(batch);
            double gbps = ops[i].Bytes / (stats[i].MedianMs * 1e6);
            ctx.Record(new Measurement(Group, ops[i].Name, ops[i].Shape, stats[i], Gbps: gbps, Fraction: gbps / copyGbps));
        }
    }
}
