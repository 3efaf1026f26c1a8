using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Bench;

/// <summary>
/// One adapted linear, forward + backward (adapter gradients and dx), through the real
/// <see cref="ProLoraLinear"/> and <see cref="Tape"/>: the frozen base alone, LoRA r=32, PRoLoRA
/// (r=32, u=4, m=n=7) and LoRA r=8, and the adapter part alone: the layer's own adapter ops
/// (<see cref="ProLoraLinear.AddAdapter"/>: broadcast-rolls, the two products, the add into y) with
/// y a precomputed base output, so no frozen product is run. Each repetition is a whole training
/// step's work for the layer: zero the gradients, record, backward, free the tape. B is random (not
/// the zero init) so that every product does real work. Repetitions of the methods interleave.
/// </summary>
internal static class LayerBenchmark
{
    private const string Group = "layer";

    /// <summary>Runs every shape of the scale and returns our median times (shape, method key) for the peer group.</summary>
    public static Dictionary<(LayerShape Shape, string Key), Stats> Run(BenchContext ctx)
    {
        ConsoleTable.Header(ctx.Output, "layer: one adapted linear, forward + backward with dx (interleaved)");
        var ours = new Dictionary<(LayerShape, string), Stats>();
        var sameRank = new List<double>();
        var sameBudget = new List<double>();
        if (ctx.Scale != BenchScale.Tiny)
        {
            // Every code path of a step, on a toy shape, until the tiered JIT has optimised it: the big shapes
            // take too few steps to get there themselves.
            Measure(ctx, new LayerShape(256, 384, 64), jitWarmUpOnly: true);
        }
        foreach (var shape in LayerShape.For(ctx.Scale))
        {
            var stats = Measure(ctx, shape, jitWarmUpOnly: false)!;
            for (int i = 0; i < LayerMethod.All.Count; i++)
            {
                var method = LayerMethod.All[i];
                ours[(shape, method.Key)] = stats[i];
                ctx.Record(new Measurement(Group, method.Name, shape.ToString(), stats[i],
                    Gflops: method.Gflop(shape.Tokens, shape.In, shape.Out) / (stats[i].MedianMs / 1e3)));
            }
            double rank = ours[(shape, "prolora")].MedianMs / ours[(shape, "lora32")].MedianMs;
            double budget = ours[(shape, "prolora")].MedianMs / ours[(shape, "lora8")].MedianMs;
            ctx.Report.SetRatio($"prolora_vs_lora_same_rank[{shape}]", rank);
            ctx.Report.SetRatio($"prolora_vs_lora_same_budget[{shape}]", budget);
            ctx.Report.SetRatio($"adapter_prolora_vs_lora_same_rank[{shape}]", ours[(shape, "adapter_prolora")].MedianMs / ours[(shape, "adapter_lora32")].MedianMs);
            sameRank.Add(rank);
            sameBudget.Add(budget);
        }
        ctx.Report.SetMedianRatio("prolora_vs_lora_same_rank", sameRank);
        ctx.Report.SetMedianRatio("prolora_vs_lora_same_budget", sameBudget);
        return ours;
    }

    /// <summary>Our median times of every method on <paramref name="shape"/>; null after a JIT warm-up only.</summary>
    private static Stats[]? Measure(BenchContext ctx, LayerShape shape, bool jitWarmUpOnly)
    {
        var be = ctx.Backend;
        using var weight = ctx.Random(new Shape(shape.Out, shape.In), 11, 1f / MathF.Sqrt(shape.In));
        using var xValue = ctx.Random(new Shape(shape.Tokens, shape.In), 12);
        using var dy = ctx.Random(new Shape(shape.Tokens, shape.Out), 13);
        using var baseOut = be.Empty(new Shape(shape.Tokens, shape.Out));
        be.Gemm(xValue, weight.T, baseOut);
        var w = Variable.Constant(weight, "weight");
        var x = Variable.Input(xValue, "x");
        var yBase = Variable.Constant(baseOut, "base_out");
        var layers = new List<ProLoraLinear>();
        try
        {
            var calls = new List<Action>();
            foreach (var method in LayerMethod.All)
            {
                if (method.Config is null)
                {
                    calls.Add(() => Step(ctx, x, null, tape => tape.MatMul(x, w, transB: true), dy));
                    continue;
                }
                var layer = new ProLoraLinear(w, null, RandomAdapter(ctx, method.Config(shape.In, shape.Out)), ownsBase: false);
                layers.Add(layer);
                calls.Add(method.AdapterOnly
                    ? () => Step(ctx, x, layer, tape => layer.AddAdapter(tape, x, yBase), dy)
                    : () => Step(ctx, x, layer, tape => layer.Forward(tape, x), dy));
            }
            if (jitWarmUpOnly)
            {
                Harness.Interleaved(ctx.Clock, calls, warmup: 40, reps: 1, minWarmupMs: 500);
                return null;
            }
            // The whole layers and the adapters alone interleave in two sets, so the short adapter steps get more repetitions.
            var whole = Enumerable.Range(0, calls.Count).Where(i => !LayerMethod.All[i].AdapterOnly).ToArray();
            var adapters = Enumerable.Range(0, calls.Count).Where(i => LayerMethod.All[i].AdapterOnly).ToArray();
            var stats = new Stats[calls.Count];
            foreach (var set in new[] { whole, adapters })
            {
                var setCalls = set.Select(i => calls[i]).ToArray();
                var setStats = Harness.Interleaved(ctx.Clock, setCalls, warmup: 0, Reps(ctx, setCalls));
                for (int j = 0; j < set.Length; j++)
                {
                    stats[set[j]] = setStats[j];
                }
            }
            return stats;
        }
        finally
        {
            layers.ForEach(l => l.Dispose());
            x.Grad?.Dispose();
        }
    }

    /// <summary>Repetitions for a set of calls: one warm-up round, timed to size the rest to the scale's budget.</summary>
    private static int Reps(BenchContext ctx, IReadOnlyList<Action> calls)
    {
        double roundMs = calls.Sum(call => ctx.Clock.Time(call));
        return ctx.Scale switch
        {
            BenchScale.Full => Harness.RepsFor(roundMs, 30_000, 3, 21),
            BenchScale.Quick => Harness.RepsFor(roundMs, 5_000, 3, 9),
            _ => 2,
        };
    }

    /// <summary>One training step's work for the layer: zero the gradients, record the forward, run the backward, free the tape.</summary>
    private static void Step(BenchContext ctx, Variable x, ProLoraLinear? layer, Func<Tape, Variable> forward, Tensor dy)
    {
        x.ZeroGrad();
        layer?.Adapter.ZeroGrad();
        using var tape = new Tape(ctx.Backend);
        var y = forward(tape);
        tape.Backward(y, dy);
    }

    /// <summary>An adapter with the usual A init and a random B (so the B-side products are not on zeros).</summary>
    private static ProLoraAdapter RandomAdapter(BenchContext ctx, ProLoraConfig config)
    {
        var adapter = ProLoraAdapter.Create(config, ctx.Backend);
        using var chunkB = ctx.Random(adapter.ChunkB.Shape, 21, 0.01f);
        using var vecB = ctx.Random(adapter.VecB.Shape, 22, 0.01f);
        ctx.Backend.Copy(chunkB, adapter.ChunkB.Value);
        ctx.Backend.Copy(vecB, adapter.VecB.Value);
        return adapter;
    }
}
