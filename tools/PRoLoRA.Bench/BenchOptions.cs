namespace PRoLoRA.Bench;

/// <summary>How big the benchmark's sizes are and how many repetitions it takes.</summary>
public enum BenchScale
{
    /// <summary>LLaMA sizes, several repetitions: the numbers for the README.</summary>
    Full,

    /// <summary>Small sizes and few repetitions: under two minutes on two cores.</summary>
    Quick,

    /// <summary>Toy sizes and two repetitions: proves every path runs (the tests use it).</summary>
    Tiny,
}

/// <summary>The parsed command line.</summary>
/// <param name="Groups">The groups to run, in order: kernels, gemm, layer, compact, peers, model, serve.</param>
/// <param name="Device">"cpu" or "cuda[:N]".</param>
/// <param name="Scale">Sizes and repetitions.</param>
/// <param name="JsonPath">Where to write the JSON report, or null for none.</param>
public sealed record BenchOptions(IReadOnlyList<string> Groups, string Device, BenchScale Scale, string? JsonPath)
{
    /// <summary>Every group, in the order <c>all</c> runs them.</summary>
    public static readonly IReadOnlyList<string> AllGroups = ["kernels", "gemm", "layer", "compact", "peers", "model", "serve"];

    /// <summary>The usage line.</summary>
    public const string Usage =
        "usage: PRoLoRA.Bench [all|kernels|gemm|layer|compact|peers|model|serve] [--device cpu|cuda[:N]] [--quick|--tiny] [--json PATH]";

    /// <summary>Parses <paramref name="args"/>; returns null and sets <paramref name="error"/> when they are bad.</summary>
    public static BenchOptions? Parse(IReadOnlyList<string> args, out string error)
    {
        string group = "all", device = "cpu";
        string? json = null;
        var scale = BenchScale.Full;
        bool groupSeen = false;
        error = "";
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            switch (arg)
            {
                case "--quick":
                    scale = BenchScale.Quick;
                    break;
                case "--tiny":
                    scale = BenchScale.Tiny;
                    break;
                case "--device" or "--json":
                    if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    {
                        error = $"{arg} needs a value";
                        return null;
                    }
                    if (arg == "--device")
                    {
                        device = args[++i];
                    }
                    else
                    {
                        json = args[++i];
                    }
                    break;
                default:
                    if (arg.StartsWith('-') || groupSeen || !(arg == "all" || AllGroups.Contains(arg)))
                    {
                        error = groupSeen && !arg.StartsWith('-') ? $"only one group may be named, got '{group}' and '{arg}'" : $"unknown argument '{arg}'";
                        return null;
                    }
                    group = arg;
                    groupSeen = true;
                    break;
            }
        }
        if (!(device == "cpu" || device == "cuda" || (device.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(device.AsSpan(5), out int n) && n >= 0)))
        {
            error = $"unknown device '{device}'; use cpu or cuda[:N]";
            return null;
        }
        return new BenchOptions(group == "all" ? AllGroups : [group], device, scale, json);
    }
}
