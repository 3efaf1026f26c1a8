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
/// <param name="Groups">The groups to run, in order: kernels, gemm, layer, compact, peers, model, serve, quant, distributed.</param>
/// <param name="Device">"cpu" or "cuda[:N]".</param>
/// <param name="Scale">Sizes and repetitions.</param>
/// <param name="JsonPath">Where to write the JSON report, or null for none.</param>
/// <param name="Load">With <c>serve --url URL</c>: load a running server instead of measuring in-process.</param>
public sealed record BenchOptions(IReadOnlyList<string> Groups, string Device, BenchScale Scale, string? JsonPath, ServeLoadOptions? Load = null)
{
    /// <summary>
    /// Every group, in the order <c>all</c> runs them. quant comes last: at full scale its LLaMA-2-7B training
    /// step and its bfloat16 7B base (13.5 GB, in a process of its own) take minutes; --quick keeps 2 of the 7B's layers.
    /// </summary>
    public static readonly IReadOnlyList<string> AllGroups = ["kernels", "gemm", "layer", "compact", "peers", "model", "serve", "quant", "distributed"];

    /// <summary>The usage line.</summary>
    public const string Usage =
        "usage: PRoLoRA.Bench [all|kernels|gemm|layer|compact|peers|model|serve|quant|distributed] [--device cpu|cuda[:N]] [--quick|--tiny] [--json PATH]\n" +
        "       PRoLoRA.Bench serve --url http://HOST:PORT/ [--requests N] [--concurrency C] [--max-tokens T] [--json PATH]   (load a running prolora serve)";

    /// <summary>Parses <paramref name="args"/>; returns null and sets <paramref name="error"/> when they are bad.</summary>
    public static BenchOptions? Parse(IReadOnlyList<string> args, out string error)
    {
        string group = "all", device = "cpu";
        string? json = null, url = null;
        var counts = new Dictionary<string, int>
        {
            ["--requests"] = ServeLoadOptions.DefaultRequests,
            ["--concurrency"] = ServeLoadOptions.DefaultConcurrency,
            ["--max-tokens"] = ServeLoadOptions.DefaultMaxTokens,
        };
        var loadFlags = new List<string>();
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
                case "--url" or "--requests" or "--concurrency" or "--max-tokens":
                    if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    {
                        error = $"{arg} needs a value";
                        return null;
                    }
                    loadFlags.Add(arg);
                    if (arg == "--url")
                    {
                        url = args[++i];
                    }
                    else if (int.TryParse(args[++i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int count) && count > 0 && count <= 100_000)
                    {
                        counts[arg] = count;
                    }
                    else
                    {
                        error = $"{arg} must be a whole number in [1, 100000], got '{args[i]}'";
                        return null;
                    }
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
        ServeLoadOptions? load = null;
        if (loadFlags.Count > 0)
        {
            if (group != "serve" || url is null)
            {
                error = group != "serve" ? $"{loadFlags[0]} belongs to 'serve --url URL' (the load generator)" : $"{loadFlags[0]} needs --url URL (the server to load)";
                return null;
            }
            if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                error = $"--url must be an http:// or https:// address, got '{url}'";
                return null;
            }
            load = new ServeLoadOptions(uri, counts["--requests"], counts["--concurrency"], counts["--max-tokens"]);
        }
        return new BenchOptions(group == "all" ? AllGroups : [group], device, scale, json, load);
    }
}
