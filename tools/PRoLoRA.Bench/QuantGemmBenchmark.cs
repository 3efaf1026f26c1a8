using System.Globalization;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Bench;

/// <summary>
/// The quant group's GEMM: a frozen linear's two products, the forward y = x·Wᵀ and the input gradient
/// dx = dy·W, with W in float32, bfloat16, NF4 and NF4 with double quantisation, all four quantised from
/// the same random float32 values and timed interleaved round by round on the same x and dy, on
/// LLaMA-2-7B's linear shapes (W 4096×4096, 11008×4096, 4096×11008; m = 2048 tokens, 256 under --quick).
/// Ratios quant_gemm_{bf16,nf4,nf4dq}_vs_f32[product]: the median over rounds of the format's time over
/// float32's in the same round; without the brackets, the median of those over the products.
/// </summary>
internal static class QuantGemmBenchmark
{
    /// <summary>The CPU's target for a quantised product's time over float32's (issue 14).</summary>
    public const double CpuTarget = 1.15;

    private const string Group = "quant";

    private sealed record Product(string Label, bool Forward, int Rows, int Cols);

    public static void Run(BenchContext ctx)
    {
        var (tokens, warmup, reps) = ctx.Scale switch
        {
            BenchScale.Full => (2048, 2, 5),
            BenchScale.Quick => (256, 1, 3),
            _ => (16, 1, 2),
        };
        IReadOnlyList<(int Rows, int Cols)> shapes = ctx.Scale == BenchScale.Tiny ? [(96, 64), (64, 96)] : Shapes7B;
        ConsoleTable.Header(ctx.Output, $"quant: GEMM with a bf16 / nf4 / nf4+dq W against f32 W (same values, interleaved; m={tokens} tokens; " +
            $"target ≤ {CpuTarget.ToString("F2", CultureInfo.InvariantCulture)}× f32 on the CPU)");
        var ratios = QuantFormat.Quantized.ToDictionary(f => f, _ => new List<double>());
        foreach (var (rows, cols) in shapes)
        {
            // W is rows × cols (out × in), as a checkpoint stores a linear's weight.
            var values = GemmBenchmark.Random(new Random(rows + cols), rows * cols);
            var weights = new List<Tensor> { ctx.Backend.FromArray(values, new Shape(rows, cols)) };
            weights.AddRange(QuantFormat.Quantized.Select(f => ctx.Backend.FromQuantized(f.Quantize(values, rows, cols))));
            try
            {
                foreach (bool forward in new[] { true, false })
                {
                    var product = new Product(forward ? "fwd y=x·Wᵀ" : "bwd dx=dy·W", forward, rows, cols);
                    var paired = Measure(ctx, product, tokens, weights, warmup, reps);
                    foreach (var (format, ratio) in paired)
                    {
                        ratios[format].Add(ratio);
                    }
                }
            }
            finally
            {
                weights.ForEach(w => w.Dispose());
            }
        }
        foreach (var (format, values) in ratios)
        {
            ctx.Report.SetMedianRatio(RatioName(format), values);
        }
        string medians = string.Join(", ", ratios.Select(r => FormattableString.Invariant($"{r.Key.Name} {Stats.Of(r.Value).MedianMs:F3}")));
        ctx.Output.WriteLine(FormattableString.Invariant($"   median time / f32 over the {ratios[QuantFormat.Nf4].Count} products: {medians} (target ≤ {CpuTarget:F2} on the CPU)"));
    }

    private static IReadOnlyList<(int Rows, int Cols)> Shapes7B => [(4096, 4096), (11008, 4096), (4096, 11008)];

    private static string RatioName(QuantFormat format) => $"quant_gemm_{format.Name.Replace("+", "", StringComparison.Ordinal)}_vs_f32";

    // One product with each weight (f32 first), interleaved; records the rows and ratios, returns each quantised format's ratio.
    private static List<(QuantFormat Format, double Ratio)> Measure(BenchContext ctx, Product p, int tokens, IReadOnlyList<Tensor> weights, int warmup, int reps)
    {
        var be = ctx.Backend;
        // y = x·Wᵀ: (m × in)(in × out); dx = dy·W: (m × out)(out × in).
        int k = p.Forward ? p.Cols : p.Rows, n = p.Forward ? p.Rows : p.Cols;
        using var a = ctx.Random(new Shape(tokens, k), 11);
        using var c = be.Empty(new Shape(tokens, n));
        var calls = weights.Select(w => (Action)(() => be.Gemm(a, p.Forward ? w.T : w, c))).ToList();
        var times = Harness.InterleavedTimes(ctx.Clock, calls, warmup, reps);
        double gflop = 2.0 * tokens * n * k / 1e9;
        string shape = $"{tokens}x{n}x{k} W {p.Rows}x{p.Cols}";
        var formats = new[] { QuantFormat.F32 }.Concat(QuantFormat.Quantized).ToArray();
        var result = new List<(QuantFormat, double)>();
        for (int i = 0; i < formats.Length; i++)
        {
            var stats = Stats.Of(times[i]);
            ctx.Record(new Measurement(Group, $"{formats[i].Name} {p.Label}", shape, stats, Gflops: gflop / (stats.MedianMs / 1e3)));
            if (i > 0)
            {
                double ratio = Stats.MedianRatio(times[i], times[0]);
                ctx.Report.SetRatio($"{RatioName(formats[i])}[{p.Label} W {p.Rows}x{p.Cols}]", ratio);
                result.Add((formats[i], ratio));
            }
        }
        ctx.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"   time / f32: {string.Join(", ", result.Select(r => $"{r.Item1.Name} {r.Item2:F3}"))} (median over {reps} rounds)"));
        return result;
    }
}
