using System.Text.Json;

namespace PRoLoRA.Bench;

/// <summary>
/// Our layer against the PyTorch peer (tools/peers/prolora_torch.py: A and B materialised with
/// roll/cat on every call, then matmuls and autograd) on the same shapes, threads (the CPU's cores)
/// and repetitions, in the same run. Ratios are ours / PyTorch median times: layer_vs_pytorch
/// (PRoLoRA with the base), adapter_vs_pytorch (PRoLoRA's adapter part alone), base_vs_pytorch and
/// lora_vs_pytorch (LoRA r=32 with the base), each per shape and as the median over shapes.
/// </summary>
internal static class PeerBenchmark
{
    private const string Group = "peers";

    private static readonly (string Ratio, string Key)[] Compared =
        [("layer_vs_pytorch", "prolora"), ("adapter_vs_pytorch", "adapter_prolora"), ("base_vs_pytorch", "base"), ("lora_vs_pytorch", "lora32")];

    public static void Run(BenchContext ctx, IReadOnlyDictionary<(LayerShape Shape, string Key), Stats> ours)
    {
        string device = ctx.OnGpu ? "cuda" : "cpu";
        ConsoleTable.Header(ctx.Output, $"peers: PyTorch ({device}), same shapes and methods as the layer group");
        var peer = PeerProcess.Find(device, out string reason);
        if (peer is null)
        {
            ctx.Output.WriteLine($"skipped: {reason}");
            ctx.Report.Note($"peers skipped: {reason}");
            return;
        }
        ctx.Output.WriteLine($"{peer.Python} {peer.Script}");
        var ratios = Compared.ToDictionary(c => c.Ratio, _ => new List<double>());
        string? peerLine = null;
        foreach (var shape in LayerShape.For(ctx.Scale))
        {
            var theirs = new Dictionary<string, Stats>();
            // As in the layer group: the whole layers and the adapters alone interleave in two sets, with our repetition counts.
            foreach (var set in LayerMethod.All.GroupBy(m => m.AdapterOnly))
            {
                var keys = set.Select(m => m.Key).ToArray();
                var json = peer.Run(device, ctx.OnGpu ? 0 : Environment.ProcessorCount, shape, keys, ours[(shape, keys[0])].Runs, warmup: 1, TimeSpan.FromHours(1));
                peerLine = $"peer: PyTorch {json.GetProperty("torch").GetString()} on {device}, {json.GetProperty("threads").GetInt32()} threads" +
                    (json.TryGetProperty("blas", out var blas) && !ctx.OnGpu ? $", BLAS {blas.GetString()} (peer's libblas.so.3: {PeerBlas.Choice})" : "");
                foreach (var r in json.GetProperty("results").EnumerateArray())
                {
                    string key = r.GetProperty("method").GetString() ?? "";
                    var stats = new Stats(r.GetProperty("median_ms").GetDouble(), r.GetProperty("min_ms").GetDouble(), r.GetProperty("max_ms").GetDouble(), r.GetProperty("runs").GetInt32());
                    theirs[key] = stats;
                    var method = LayerMethod.All.Single(m => m.Key == key);
                    ctx.Record(new Measurement(Group, $"PyTorch {method.Name}", shape.ToString(), stats,
                        Gflops: method.Gflop(shape.Tokens, shape.In, shape.Out) / (stats.MedianMs / 1e3)));
                }
            }
            foreach (var (ratio, key) in Compared)
            {
                double value = ours[(shape, key)].MedianMs / theirs[key].MedianMs;
                ctx.Report.SetRatio($"{ratio}[{shape}]", value);
                ratios[ratio].Add(value);
            }
            ctx.Output.WriteLine($"   ours/PyTorch at {shape}: " + string.Join(", ", Compared.Select(c => $"{c.Key} {ours[(shape, c.Key)].MedianMs / theirs[c.Key].MedianMs:F2}")));
        }
        if (peerLine is not null)
        {
            ctx.Report.Note(peerLine);
        }
        foreach (var (ratio, values) in ratios)
        {
            ctx.Report.SetMedianRatio(ratio, values);
        }
    }
}
