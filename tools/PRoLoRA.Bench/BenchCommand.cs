using PRoLoRA.Native;
using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Backends.Cuda;

namespace PRoLoRA.Bench;

/// <summary>
/// The benchmark's command line: runs the chosen groups on one device, prints a table as it goes and
/// the ratios at the end, and writes the JSON report to --json PATH (or, without --json, to
/// $PROLORA_RESULTS/bench-DEVICE.json when the GPU bundle sets PROLORA_RESULTS) after every group,
/// so that a run cut short (killed, timed out, a group that failed) still leaves what it measured.
/// </summary>
public static class BenchCommand
{
    /// <summary>Exit code for bad arguments.</summary>
    public const int BadArguments = 2;

    /// <summary>Runs the benchmark; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (args.Length > 0 && args[0] == QuantChild.Verb)
        {
            // The quant group's measurement in a process of its own (not in the usage).
            return QuantChild.Run(args[1..], output, error);
        }
        if (args.Length > 0 && args[0] == DistributedRank.Verb)
        {
            // The distributed group's measurement, alone or as one rank under mpirun (not in the usage).
            return DistributedRank.Run(args[1..], output);
        }
        var options = BenchOptions.Parse(args, out string problem);
        if (options is null)
        {
            error.WriteLine($"error: {problem}");
            error.WriteLine(BenchOptions.Usage);
            return BadArguments;
        }
        if (options.Load is not null)
        {
            var report = new Report(Machine.Describe(null), $"server {options.Load.Url}", options.Scale);
            int code = ServeLoadGenerator.Run(options.Load, report, output, error);
            if (options.JsonPath is not null)
            {
                JsonReport.Write(report, options.JsonPath);
                output.WriteLine($"json: {options.JsonPath}");
            }
            return code;
        }
        string? json = options.JsonPath ?? DefaultJsonPath(options.Device);
        IBackend backend;
        try
        {
            backend = Devices.Open(options.Device);
        }
        catch (ProLoraException e)
        {
            // No GPU here: the GPU groups skip with the reason (a failure only where a GPU is required).
            output.WriteLine($"GPU benchmarks skipped: {e.Message}");
            var skipped = new Report(Machine.Describe(null), options.Device, options.Scale);
            skipped.Note($"skipped: {e.Message}");
            if (json is not null)
            {
                JsonReport.Write(skipped, json);
            }
            return Environment.GetEnvironmentVariable("PROLORA_REQUIRE_GPU") == "1" ? 1 : 0;
        }
        using (backend)
        {
            using IClock clock = backend is CudaBackend cuda ? new CudaTiming(cuda) : new StopwatchClock();
            RunGroups(backend, clock, options.Device, options.Scale, options.Groups, output, json);
            if (json is not null)
            {
                output.WriteLine($"json: {json}");
            }
        }
        return 0;
    }

    /// <summary>
    /// Runs <paramref name="groups"/> on <paramref name="backend"/>, printing as it goes, and returns the
    /// report; with <paramref name="json"/>, the report so far is written there after every group (and,
    /// noting the failure, after a group that throws).
    /// </summary>
    internal static Report RunGroups(IBackend backend, IClock clock, string device, BenchScale scale, IReadOnlyList<string> groups, TextWriter output, string? json = null)
    {
        var report = new Report(Machine.Describe(backend is CudaBackend ? backend.Name : null), device, scale);
        output.WriteLine($"PRoLoRA.Bench on {report.Machine}; device {backend.Name}, {scale.ToString().ToLowerInvariant()} sizes");
        var ctx = new BenchContext(backend, clock, scale, report, output);
        Dictionary<(LayerShape Shape, string Key), Stats>? layer = null;
        foreach (string group in groups)
        {
            try
            {
                layer = RunGroup(ctx, backend, group, layer);
            }
            catch (Exception e)
            {
                report.Note($"{group} failed: {e.GetType().Name}: {e.Message}");
                Save(report, json);
                throw;
            }
            Save(report, json);
        }
        ConsoleTable.Ratios(output, report);
        return report;
    }

    /// <summary>Runs one group; returns the layer measurements so far (the peers group compares with them).</summary>
    private static Dictionary<(LayerShape Shape, string Key), Stats>? RunGroup(BenchContext ctx, IBackend backend, string group, Dictionary<(LayerShape Shape, string Key), Stats>? layer)
    {
        switch (group)
        {
            case "kernels":
                KernelBenchmark.Run(ctx);
                return layer;
            case "gemm" when backend is CudaBackend cuda:
                CudaGemmGroup.Run(ctx, cuda.Device);
                return layer;
            case "gemm":
                CpuGemmGroup.Run(ctx);
                return layer;
            case "layer":
                return LayerBenchmark.Run(ctx);
            case "compact":
                CompactBenchmark.Run(ctx);
                return layer;
            case "peers":
                // The peer is compared with our layer measured in the same run.
                PeerBenchmark.Run(ctx, layer ?? LayerBenchmark.Run(ctx));
                return layer;
            case "model":
                ModelBenchmark.Run(ctx);
                return layer;
            case "serve":
                ServeBenchmark.Run(ctx);
                return layer;
            case "quant":
                QuantBenchmark.Run(ctx);
                return layer;
            case "distributed":
                DistributedBenchmark.Run(ctx);
                return layer;
            default:
                throw new ArgumentException($"unknown group '{group}'", "groups");
        }
    }

    /// <summary>Writes the report so far to <paramref name="json"/> (atomically: a kill leaves the previous one), if given.</summary>
    private static void Save(Report report, string? json)
    {
        if (json is not null)
        {
            JsonReport.Write(report, json);
        }
    }

    private static string? DefaultJsonPath(string device)
    {
        string? folder = Environment.GetEnvironmentVariable("PROLORA_RESULTS");
        return string.IsNullOrEmpty(folder) ? null : Path.Combine(folder, $"bench-{device.Replace(':', '-')}.json");
    }
}
