using System.Globalization;
using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Serving;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Bench;

/// <summary>
/// The serve group: batched decode steps (<see cref="LlamaModel.DecodeStep"/>, each sequence with its own
/// KV cache) of <see cref="ServeWorkload.Batch"/> sequences spread over 1, 8, 64 (and 256 on a GPU)
/// distinct adapters, for three ways of serving them:
/// <list type="bullet">
/// <item>compact: an <see cref="AdapterBank"/> holding only the compact tensors (<see cref="AdapterProducts.Compact"/>);</item>
/// <item>materialised: a bank that built every A and B once and gathers them per row group, the way LoRA
/// servers hold adapters (<see cref="AdapterProducts.Materialised"/>);</item>
/// <item>merged: one adapter merged into the weights, which costs the base's products alone, so it is timed
/// as the base with no adapter rows;</item>
/// </list>
/// and, where PyTorch is found, the same decode in tools/peers/llama_torch.py decode (dense A and B per
/// adapter, rows grouped by adapter: PEFT's mixed-batch way), step for step in the same rounds.
/// Per configuration: p50 and p99 of the step time over all rounds, tokens per second (batch / p50), adapter
/// bytes read per generated token (counted from the products each group takes) and resident bytes per adapter.
/// Ratios: serve_compact_vs_materialised (time, per count and their median), serve_vs_merged (time, compact
/// over merged) and serve_throughput_many_vs_one (a throughput fraction: compact with K adapters over compact with one).
/// </summary>
internal static class ServeBenchmark
{
    private const string Group = "serve";
    private const int SettleMs = 150;

    public static void Run(BenchContext ctx)
    {
        var w = ServeWorkload.For(ctx.Scale, ctx.OnGpu);
        string device = ctx.OnGpu ? "cuda" : "cpu";
        int threads = ctx.OnGpu ? 0 : Environment.ProcessorCount;
        ConsoleTable.Header(ctx.Output, $"serve: decode of {w.Batch} sequences over K adapters (PRoLoRA r={ServeWorkload.Rank} u={ServeWorkload.Unshared} " +
            $"m=n={ServeWorkload.Reduce} on all seven linears), compact vs materialised vs merged{(ctx.OnGpu ? "" : $", {threads} threads")}, per step");
        int maxAdapters = w.AdapterCounts.Max();
        using var model = RandomLlama.Model(w.Config, ctx.Backend, seed: 7);
        using var compact = NewBank(model, AdapterProducts.Compact, maxAdapters);
        using var materialised = NewBank(model, AdapterProducts.Materialised, maxAdapters);
        var runs = new List<ServeRun> { new("merged", 1, compact, Slots(w.Batch, 0, compact)) };
        foreach (int k in w.AdapterCounts)
        {
            runs.Add(new ServeRun("compact", k, compact, Slots(w.Batch, k, compact)));
            runs.Add(new ServeRun("materialised", k, materialised, Slots(w.Batch, k, materialised)));
        }
        var peers = StartPeers(ctx, w, device, threads, runs, out string? folder);
        try
        {
            // Warm-up: every path once, untimed, so the tiered JIT and the allocators settle.
            foreach (var run in runs)
            {
                Decode(ctx, model, w, run, steps: 1);
            }
            for (int round = 0; round < w.Rounds; round++)
            {
                foreach (var run in runs)
                {
                    run.Times.Add(Decode(ctx, model, w, run, w.Steps));
                    if (peers.TryGetValue(run.Key, out var peer))
                    {
                        peer.Times.Add([.. Enumerable.Range(0, w.Steps).Select(_ => peer.Session.Step())]);
                    }
                }
            }
            ReportRuns(ctx, w, runs, peers);
        }
        finally
        {
            foreach (var peer in peers.Values)
            {
                peer.Session.Dispose();
            }
            if (folder is not null && Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    /// <summary>A bank over <paramref name="model"/> holding <paramref name="count"/> random adapters on every linear (B not zero, so the products do real work).</summary>
    private static AdapterBank NewBank(LlamaModel model, AdapterProducts products, int count)
    {
        var bank = new AdapterBank(model, products);
        var modules = LlamaModules.Targets(model.Config);
        for (int i = 0; i < count; i++)
        {
            var adapters = LlamaModel.NewAdapters(modules, ServeWorkload.Adapter, seed: 100 + i, model.Backend);
            foreach (var adapter in adapters.Values)
            {
                var b = adapter.ChunkB.Value;
                using var values = model.Backend.FromArray(RandomLlama.Values($"adapter{i}.{adapter.Config.OutFeatures}", b.Shape, seed: i), b.Shape);
                model.Backend.Copy(values, b);
            }
            bank.Add($"adapter-{i}", adapters);
        }
        return bank;
    }

    /// <summary>Row b uses adapter b mod <paramref name="adapters"/> (0 adapters: every row the base alone).</summary>
    private static int[] Slots(int batch, int adapters, AdapterBank bank)
    {
        var slots = bank.Adapters.OrderBy(a => a.Slot).Select(a => a.Slot).ToArray();
        return [.. Enumerable.Range(0, batch).Select(b => adapters == 0 ? -1 : slots[b % adapters])];
    }

    /// <summary>Caches every prompt (untimed), then times <paramref name="steps"/> decode steps of the whole batch; their milliseconds.</summary>
    private static double[] Decode(BenchContext ctx, LlamaModel model, ServeWorkload w, ServeRun run, int steps)
    {
        var c = model.Config;
        var caches = new LlamaCache[w.Batch];
        try
        {
            for (int b = 0; b < w.Batch; b++)
            {
                caches[b] = new LlamaCache(c, model.Backend, w.Prompt + steps);
                int[] prompt = [.. Enumerable.Range(0, w.Prompt).Select(t => ((b * 31) + (t * 7) + 1) % c.VocabularySize)];
                using var tape = new Tape(model.Backend);
                using var _ = tape.NoGrad();
                model.Forward(tape, prompt, 1, w.Prompt, run.Bank, [run.Slots[b]], caches[b]);
            }
            if (!ctx.OnGpu && ctx.Scale != BenchScale.Tiny)
            {
                Thread.Sleep(SettleMs); // a PyTorch peer's threads spin for a while after its steps
            }
            var times = new double[steps];
            for (int s = 0; s < steps; s++)
            {
                int[] tokens = [.. Enumerable.Range(0, w.Batch).Select(b => ((b * 13) + (s * 5) + 3) % c.VocabularySize)];
                times[s] = ctx.Clock.Time(() =>
                {
                    using var tape = new Tape(model.Backend);
                    using var _ = tape.NoGrad();
                    model.DecodeStep(tape, tokens, caches, run.Bank, run.Slots);
                });
            }
            return times;
        }
        finally
        {
            foreach (var cache in caches)
            {
                cache?.Dispose();
            }
        }
    }

    private static Dictionary<string, PeerRun> StartPeers(BenchContext ctx, ServeWorkload w, string device, int threads, List<ServeRun> runs, out string? folder)
    {
        folder = null;
        var peers = new Dictionary<string, PeerRun>();
        if (ctx.Scale == BenchScale.Tiny)
        {
            return peers;
        }
        var peer = PeerProcess.Find(device, out string reason, PeerProcess.ModelScript);
        if (peer is null)
        {
            ctx.Output.WriteLine($"PyTorch skipped: {reason}");
            ctx.Report.Note($"serve peer skipped: {reason}");
            return peers;
        }
        folder = Path.Combine(Path.GetTempPath(), $"prolora-bench-serve-{Environment.ProcessId}-{Guid.NewGuid():N}");
        RandomLlama.WriteFolder(folder, w.Config, seed: 7);
        try
        {
            foreach (var run in runs.Where(r => r.Way != "materialised"))
            {
                var args = w.PeerArguments(folder, device, threads, run.Adapters, merged: run.Way == "merged");
                peers[run.Key] = new PeerRun(peer.StartSession(args));
            }
            var info = peers.Values.First().Session.Info;
            string torch = $"torch {info.GetProperty("torch").GetString()} on {info.GetProperty("device").GetString()}, {info.GetProperty("threads").GetInt32()} threads";
            ctx.Output.WriteLine($"PyTorch peer: {torch}");
            ctx.Report.Note($"serve peer: {peer.Python} {peer.Script} decode (dense A and B per adapter, rows grouped by adapter), {torch}");
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException)
        {
            ctx.Output.WriteLine($"PyTorch failed: {e.Message}");
            ctx.Report.Note($"serve peer failed: {e.Message}");
            foreach (var started in peers.Values)
            {
                started.Session.Dispose();
            }
            peers.Clear();
        }
        return peers;
    }

    private static void ReportRuns(BenchContext ctx, ServeWorkload w, List<ServeRun> runs, Dictionary<string, PeerRun> peers)
    {
        var p50 = new Dictionary<string, double>();
        foreach (var run in runs)
        {
            var all = run.Times.SelectMany(t => t).ToArray();
            p50[run.Key] = Record(ctx, w, $"ours {run.Way}", run.Adapters, all);
            long bytesRead = run.Way == "merged" ? 0 : run.Bank.AdapterBytesRead(run.Slots, length: 1);
            long resident = run.Bank.TotalBytes / run.Bank.Adapters.Count;
            ctx.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"   {run.Way,-12} K={run.Adapters,-3}  p50 {Stats.Percentile(all, 0.50):F2} ms  p99 {Stats.Percentile(all, 0.99):F2} ms  {w.Batch / (p50[run.Key] / 1e3),9:F0} tok/s  " +
                $"adapter bytes read/token {bytesRead / (double)w.Batch,10:F0}  resident bytes/adapter {(run.Way == "merged" ? 0 : resident),10}"));
            ctx.Report.Note(string.Create(CultureInfo.InvariantCulture,
                $"serve {run.Way} K={run.Adapters}: p50 {Stats.Percentile(all, 0.50):F3} ms, p99 {Stats.Percentile(all, 0.99):F3} ms, {w.Batch / (p50[run.Key] / 1e3):F0} tok/s, " +
                $"adapter bytes read per token {bytesRead / (double)w.Batch:F0}, resident bytes per adapter {(run.Way == "merged" ? 0 : resident)}"));
            if (peers.TryGetValue(run.Key, out var peer))
            {
                var theirs = peer.Times.SelectMany(t => t).ToArray();
                Record(ctx, w, run.Way == "merged" ? "torch merged" : "torch dense per row", run.Adapters, theirs);
                double ratio = Stats.MedianRatio([.. run.Times.Select(Median)], [.. peer.Times.Select(Median)]);
                ctx.Report.SetRatio($"serve_vs_pytorch[{run.Way} {w.Shape(run.Adapters)}]", ratio);
            }
        }
        var compactOverDense = new List<double>();
        foreach (int k in w.AdapterCounts)
        {
            var c = runs.Single(r => r.Way == "compact" && r.Adapters == k);
            var d = runs.Single(r => r.Way == "materialised" && r.Adapters == k);
            double ratio = Stats.MedianRatio([.. c.Times.Select(Median)], [.. d.Times.Select(Median)]);
            compactOverDense.Add(ratio);
            ctx.Report.SetRatio($"serve_compact_vs_materialised[{w.Shape(k)}]", ratio);
            ctx.Report.SetRatio($"serve_vs_merged[{w.Shape(k)}]", p50[c.Key] / p50["merged K=1"]);
            ctx.Report.SetRatio($"serve_throughput_many_vs_one[{w.Shape(k)}]", p50["compact K=1"] / p50[c.Key]);
        }
        ctx.Report.SetMedianRatio("serve_compact_vs_materialised", compactOverDense);
        ctx.Report.SetRatio("serve_throughput_many_vs_one", p50["compact K=1"] / p50[$"compact K={w.AdapterCounts.Max()}"]);
    }

    private static double Record(BenchContext ctx, ServeWorkload w, string name, int adapters, double[] times)
    {
        var stats = Stats.Of(times);
        ctx.Record(new Measurement(Group, $"{name} decode step", w.Shape(adapters), stats, Gflops: w.Gflop(!name.EndsWith("merged", StringComparison.Ordinal)) / (stats.MedianMs / 1e3),
            TokensPerSecond: w.Batch / (stats.MedianMs / 1e3)));
        return stats.MedianMs;
    }

    private static double Median(double[] times) => Stats.Of(times).MedianMs;

    /// <summary>One configuration: how its adapters are served, how many distinct ones, each row's slot, its step times per round.</summary>
    private sealed record ServeRun(string Way, int Adapters, AdapterBank Bank, int[] Slots)
    {
        public string Key => $"{Way} K={Adapters}";

        public List<double[]> Times { get; } = [];
    }

    private sealed record PeerRun(PeerSession Session)
    {
        public List<double[]> Times { get; } = [];
    }
}
