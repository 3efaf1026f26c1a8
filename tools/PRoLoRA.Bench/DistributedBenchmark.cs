using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Models.Llama;

namespace PRoLoRA.Bench;

/// <summary>
/// The distributed group: bytes one data-parallel step all-reduces (the adapters' fp32 gradients in
/// one fused buffer) for PRoLoRA against LoRA at the same rank and at the same budget, on the shipped
/// base and LLaMA-2-7B, counted from the shapes; then the step time of `mpirun -np 2` (batch B per
/// rank) against one process (batch 2B), side by side on this machine.
/// </summary>
internal static class DistributedBenchmark
{
    private static readonly (string Name, Func<ModuleShape, ProLoraConfig> Configure)[] Methods =
    [
        ("prolora r=8, u=1, m=n=7", m => ProLoraConfig.ProLora(m.InFeatures, m.OutFeatures, 8, 1, 7, 7)),
        ("lora r=8 (same rank)", m => ProLoraConfig.Lora(m.InFeatures, m.OutFeatures, 8)),
        ("lora r=2 (same budget)", m => ProLoraConfig.Lora(m.InFeatures, m.OutFeatures, 2)),
    ];

    public static void Run(BenchContext ctx)
    {
        var o = ctx.Output;
        o.WriteLine();
        o.WriteLine("== distributed: bytes all-reduced per step (fp32 gradients of every adapter on all seven linears, counted from the shapes)");
        o.WriteLine($"{"model",-22} {"method",-26} {"parameters",14} {"bytes/step",16} {"vs prolora",10}");
        foreach (var (model, linears) in Models(ctx))
        {
            long prolora = linears.Sum(m => Methods[0].Configure(m).TrainableParameters);
            foreach (var (name, configure) in Methods)
            {
                long parameters = linears.Sum(m => configure(m).TrainableParameters);
                o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{model,-22} {name,-26} {parameters,14:N0} {parameters * 4,16:N0} {(double)parameters / prolora,9:0.00}×"));
                ctx.Report.Note(string.Create(CultureInfo.InvariantCulture, $"distributed bytes: {model}, {name}: {parameters:N0} parameters, {parameters * 4:N0} bytes per step"));
            }
        }
        if (ctx.OnGpu)
        {
            ctx.Report.Note("distributed timing: CPU ranks only (mpirun); skipped on the GPU");
            return;
        }
        if (!OnPath("mpirun"))
        {
            o.WriteLine("distributed timing skipped: Open MPI's mpirun is not installed");
            ctx.Report.Note("distributed timing skipped: mpirun not found");
            return;
        }
        int steps = ctx.Scale switch { BenchScale.Full => 40, BenchScale.Quick => 15, _ => 5 };
        const int batch = 8;
        o.WriteLine();
        o.WriteLine($"== distributed: step time, shipped base, prolora r=8 on all seven linears, global batch {2 * batch}, {steps} steps (the first 3 untimed)");
        var one = Child(false, steps, 2 * batch);
        var two = Child(true, steps, batch);
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"1 process, batch {2 * batch}:        {one.StepMs,8:0.0} ms/step"));
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"2 MPI ranks, batch {batch} each:  {two.StepMs,8:0.0} ms/step, of which {two.WaitMs:0.00} ms waiting for the other rank and {two.AllReduceMs:0.00} ms in the all-reduce of {two.Floats:N0} floats"));
        ctx.Report.SetRatio("distributed: 2 MPI ranks / 1 process, step time", two.StepMs / one.StepMs);
        ctx.Report.Note(string.Create(CultureInfo.InvariantCulture, $"distributed timing: 1 process {one.StepMs:0.0} ms/step, 2 MPI ranks {two.StepMs:0.0} ms/step ({two.WaitMs:0.00} ms waiting, {two.AllReduceMs:0.00} ms all-reduce)"));
    }

    /// <summary>The shipped base's linears (from its config.json: 2 key/value heads) and LLaMA-2-7B's.</summary>
    private static IEnumerable<(string Name, IReadOnlyList<ModuleShape> Linears)> Models(BenchContext ctx)
    {
        if (ShippedBase.Find() is { } folder)
        {
            yield return ("shipped llama-base", LlamaModules.Targets(LlamaConfig.Load(folder)));
        }
        else
        {
            ctx.Report.Note("distributed bytes: the shipped base is not found");
        }
        var llama = ModelPreset.Llama2_7B;
        yield return (llama.Name, [.. Enumerable.Range(0, llama.Layers).SelectMany(_ => llama.Modules)]);
    }

    private sealed record Timing(double StepMs, double AllReduceMs, double WaitMs, int Floats);

    private static Timing Child(bool mpi, int steps, int batch)
    {
        string assembly = typeof(DistributedRank).Assembly.Location;
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var info = new ProcessStartInfo(mpi ? "mpirun" : dotnet) { RedirectStandardOutput = true, RedirectStandardError = true };
        string[] args = mpi ? ["-np", "2", "--oversubscribe", dotnet, assembly] : [assembly];
        foreach (var a in (string[])[.. args, DistributedRank.Verb, steps.ToString(CultureInfo.InvariantCulture), batch.ToString(CultureInfo.InvariantCulture)])
        {
            info.ArgumentList.Add(a);
        }
        info.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        info.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        // Containers often forbid the cross-memory attach (process_vm_readv) of Open MPI's shared-memory transport.
        info.Environment["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none";
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{info.FileName} did not start");
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(20)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Verb(mpi)} ran past 20 minutes");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Verb(mpi)} exited with {process.ExitCode}: {error.Result.Trim()}");
        }
        // Under mpirun a rank's output may start with a terminal escape (its stdout is a pseudo-terminal there).
        string json = output.Split('\n').Where(l => l.Contains('{', StringComparison.Ordinal)).Select(l => l[l.IndexOf('{', StringComparison.Ordinal)..]).LastOrDefault()
            ?? throw new InvalidOperationException($"{Verb(mpi)} printed no result: {output}");
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        return new Timing(root.GetProperty("step_ms").GetDouble(), root.GetProperty("allreduce_ms").GetDouble(), root.GetProperty("wait_ms").GetDouble(), root.GetProperty("floats").GetInt32());
    }

    private static string Verb(bool mpi) => mpi ? "mpirun -np 2 distributed-rank" : "distributed-rank";

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, tool)));
}
