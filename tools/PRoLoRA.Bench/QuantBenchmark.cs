using System.Globalization;
using System.Text.Json;
using PRoLoRA.Native.Quantization;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Bench;

/// <summary>
/// The quant group (issue 14, a QLoRA base): <see cref="QuantGemmBenchmark"/>'s products with a bf16 / nf4 /
/// nf4+dq W against f32; the base's bytes of <see cref="QuantModelPlan"/>'s model (LLaMA-2-7B at full scale)
/// in each format, its linears quantised and the embeddings, norms and head in float32 (f32 counted from the
/// shapes: 27 GB do not fit a 24 GB machine; the others measured, each built in a process of its own); and
/// one PRoLoRA training step of that model on an NF4 base (forward, backward, AdamW on the adapters) in a
/// process of its own, whose peak resident memory (VmHWM) is the step's. Under --quick the model keeps the
/// 7B's shapes but only 2 of its layers. A backend that cannot hold a quantised weight skips the group, saying why.
/// </summary>
internal static class QuantBenchmark
{
    private const string Group = "quant";

    public static void Run(BenchContext ctx)
    {
        if (!Supported(ctx, out string reason))
        {
            ConsoleTable.Header(ctx.Output, "quant: skipped");
            ctx.Output.WriteLine($"quant skipped: {reason}");
            ctx.Report.Note($"quant skipped: {reason}");
            return;
        }
        QuantGemmBenchmark.Run(ctx);
        var plan = QuantModelPlan.For(ctx.Scale);
        ctx.Report.Note($"quant: the {plan.Label} model's linears are random codes (NF4 indices with absmax in [0.04, 0.06), random bfloat16 bits), " +
            "generated, not quantised from float32; the GEMM rows quantise the same random float32 W to every format");
        // The products' arrays are garbage now: returned before the children need the machine's memory.
        ProcessMemory.ResidentAfterCollect();
        BaseBytes(ctx, plan);
        TrainStep(ctx, plan);
    }

    private static bool Supported(BenchContext ctx, out string reason)
    {
        try
        {
            ctx.Backend.FromQuantized(QuantizedMatrix.Quantize(new float[64], 1, 64, TensorDType.Nf4)).Dispose();
            reason = "";
            return true;
        }
        catch (NotSupportedException e)
        {
            reason = $"{ctx.Backend.Name} cannot hold a quantised weight: {e.Message}";
            return false;
        }
    }

    private static void BaseBytes(BenchContext ctx, QuantModelPlan plan)
    {
        ctx.Output.WriteLine();
        ctx.Output.WriteLine($"== quant: base bytes of {plan.Label} (linears in the format; embeddings, norms, head f32); each built in a process of its own");
        ConsoleTable.MemoryHeader(ctx.Output);
        ctx.Record(new MemoryMeasurement(Group, "f32 base", plan.Label, QuantizedLlama.Float32Bytes(plan.Config), "counted from shapes"));
        foreach (var format in QuantFormat.Quantized)
        {
            var result = Child(ctx, "resident", format, plan);
            if (result is not JsonElement r)
            {
                continue;
            }
            ctx.Record(new MemoryMeasurement(Group, $"{format.Name} base", plan.Label, r.GetProperty("storage_bytes").GetInt64(), "sum of storage bytes"));
            if (Bytes(r, "rss_after") is long after && Bytes(r, "rss_before") is long before)
            {
                ctx.Record(new MemoryMeasurement(Group, $"{format.Name} base, process growth", plan.Label, after - before, "VmRSS after − before building"));
            }
        }
    }

    private static void TrainStep(BenchContext ctx, QuantModelPlan plan)
    {
        var w = plan.Workload;
        ctx.Output.WriteLine();
        ctx.Output.WriteLine($"== quant: one training step of {plan.Label} on an nf4 base, PRoLoRA r={ModelWorkload.Rank} u={ModelWorkload.Unshared} " +
            $"m=n={ModelWorkload.Reduce} on all seven linears of every layer, batch {w.Batch} × {w.Length} tokens, forward + backward + AdamW; " +
            $"a process of its own ({plan.Warmup} warm-up, {plan.Reps} timed steps)");
        if (Child(ctx, "step", QuantFormat.Nf4, plan) is not JsonElement r)
        {
            return;
        }
        var steps = Stats.Of([.. r.GetProperty("step_ms").EnumerateArray().Select(t => t.GetDouble())]);
        ConsoleTable.Header(ctx.Output, "quant: nf4 base training step");
        ctx.Record(new Measurement(Group, "nf4 base train step (fwd+bwd+AdamW)", $"{plan.Label}, B={w.Batch}x{w.Length}", steps,
            Gflops: w.Gflop() / (steps.MedianMs / 1e3), TokensPerSecond: w.Tokens / (steps.MedianMs / 1e3)));
        ctx.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   {steps.MedianMs / 1e3:F1} s a step (median of {steps.Runs}); model built in {r.GetProperty("build_s").GetDouble():F1} s"));
        ConsoleTable.MemoryHeader(ctx.Output);
        if (Bytes(r, "peak") is long peak)
        {
            ctx.Record(new MemoryMeasurement(Group, "nf4 train step, process peak", plan.Label, peak, "VmHWM of the step's process"));
        }
        if (Bytes(r, "rss_after") is long built)
        {
            ctx.Record(new MemoryMeasurement(Group, "nf4 train step, process after building", plan.Label, built, "VmRSS before the first step"));
        }
        ctx.Report.Note("quant: the step's peak (VmHWM) is the process's, so it counts what the GC had not yet collected as well as what was live");
        if (ctx.OnGpu)
        {
            ctx.Report.Note("quant: the processes' memory (VmRSS, VmHWM) is the host's; the storage bytes are the GPU's");
        }
    }

    // The child's result, or null (noted) when it failed: a failing measurement should not lose the others.
    private static JsonElement? Child(BenchContext ctx, string what, QuantFormat format, QuantModelPlan plan)
    {
        var timeout = TimeSpan.FromMinutes(ctx.Scale == BenchScale.Full ? 40 : 10);
        try
        {
            return QuantChildProcess.Run([what, format.Name, ctx.Scale.ToString().ToLowerInvariant(), ctx.Report.Device], timeout, ctx.Output);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            ctx.Output.WriteLine($"quant {what} {format.Name} failed: {e.Message}");
            ctx.Report.Note($"quant {what} {format.Name} failed: {e.Message}");
            return null;
        }
    }

    private static long? Bytes(JsonElement result, string name) =>
        result.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;
}
