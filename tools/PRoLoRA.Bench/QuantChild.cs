using System.Text.Json;
using PRoLoRA.Native;
using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Backends.Cuda;
using PRoLoRA.Native.Optim;

namespace PRoLoRA.Bench;

/// <summary>
/// The quant group's measurements that need a process of their own, so that its memory counts only
/// them: <c>PRoLoRA.Bench quant-child resident|step FORMAT SCALE DEVICE</c> (started by
/// <see cref="QuantChildProcess"/>, not listed in the usage). <c>resident</c> builds the model of
/// <see cref="QuantModelPlan"/> with its linears in FORMAT and reports the sum of its storage bytes and
/// the resident memory (VmRSS) before and after; <c>step</c> also adds the adapters and times training
/// steps (forward, backward, AdamW on the adapters), reporting the peak resident memory (VmHWM).
/// The result is one JSON object on the last line of standard output.
/// </summary>
internal static class QuantChild
{
    /// <summary>The first argument that makes the bench this child.</summary>
    public const string Verb = "quant-child";

    /// <summary>Runs the child's measurement; returns the exit code (2: bad arguments).</summary>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        if (args.Count != 4 || args[0] is not ("resident" or "step") || !Enum.TryParse(args[2], ignoreCase: true, out BenchScale scale))
        {
            error.WriteLine($"usage: PRoLoRA.Bench {Verb} resident|step FORMAT full|quick|tiny DEVICE");
            return BenchCommand.BadArguments;
        }
        var format = QuantFormat.Parse(args[1]);
        var plan = QuantModelPlan.For(scale);
        using var backend = Devices.Open(args[3]);
        using IClock clock = backend is CudaBackend cuda ? new CudaTiming(cuda) : new StopwatchClock();
        var result = new Dictionary<string, object?> { ["rss_before"] = ProcessMemory.ResidentAfterCollect() };
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        var model = QuantizedLlama.Create(plan.Config, backend, format, seed: 7, out long storageBytes);
        result["build_s"] = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
        result["storage_bytes"] = storageBytes;
        result["rss_after"] = ProcessMemory.ResidentAfterCollect();
        output.WriteLine(FormattableString.Invariant($"built {plan.Label} with {format.Name} linears in {(double)result["build_s"]!:F1} s: {storageBytes / 1e9:F3} GB of storage"));
        if (args[0] == "resident")
        {
            model.Dispose();
        }
        else
        {
            result["step_ms"] = Steps(backend, clock, scale, plan, model, output);
        }
        result["peak"] = ProcessMemory.Peak();
        output.WriteLine(JsonSerializer.Serialize(result));
        return 0;
    }

    // Warm-up and timed steps, each the model step (gradients zeroed, forward, backward) and AdamW's update.
    private static double[] Steps(IBackend backend, IClock clock, BenchScale scale, QuantModelPlan plan, Native.Models.Llama.LlamaModel model, TextWriter output)
    {
        var ctx = new BenchContext(backend, clock, scale, new Report(Machine.Describe(null), backend.Name, scale), TextWriter.Null);
        if (scale != BenchScale.Tiny)
        {
            // Every code path on the toy model until the tiered JIT has optimised it: the big model takes too few steps to get there itself.
            var toy = QuantModelPlan.For(BenchScale.Tiny);
            using var toyStep = new Training(ctx, toy.Workload, QuantizedLlama.Create(toy.Config, backend, QuantFormat.Nf4, seed: 1, out _));
            Harness.Measure(clock, toyStep.Run, warmup: 40, reps: 1, minWarmupMs: 500);
            output.WriteLine("JIT warm-up on the toy model done");
        }
        using var step = new Training(ctx, plan.Workload, model);
        var times = new List<double>();
        for (int i = 0; i < plan.Warmup + plan.Reps; i++)
        {
            double ms = clock.Time(step.Run);
            output.WriteLine(FormattableString.Invariant($"{(i < plan.Warmup ? "warm-up" : "timed")} step {i + 1}: {ms / 1e3:F1} s"));
            if (i >= plan.Warmup)
            {
                times.Add(ms);
            }
        }
        return [.. times];
    }

    /// <summary>A training step: the model step (gradients zeroed, forward, backward), then AdamW's update of the adapters.</summary>
    private sealed class Training : IDisposable
    {
        private readonly ModelStep _step;
        private readonly AdamW _adamW;

        public Training(BenchContext ctx, ModelWorkload workload, Native.Models.Llama.LlamaModel model)
        {
            _step = new ModelStep(ctx, workload, model);
            _adamW = new AdamW(_step.Model.TrainableParameters);
        }

        public void Run()
        {
            _step.Run();
            _adamW.Step();
        }

        public void Dispose()
        {
            _adamW.Dispose();
            _step.Dispose();
        }
    }
}
