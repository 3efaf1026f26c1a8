using System.Globalization;

namespace PRoLoRA.Bench;

/// <summary>
/// The model group: whole-model workloads (<see cref="ModelWorkload"/>) — a small LLaMA's training step
/// and a LLaMA-2-7B-shaped decoder layer, PRoLoRA on all seven linears — ours against the PyTorch peer
/// (tools/peers/llama_torch.py bench --serve) with the same threads, the two interleaved step by step:
/// each round times one step of ours, then one of the peer's (which it times itself, in its own process),
/// so a drift in the shared host's speed hits both. On the CPU an untimed 150 ms pause comes before each of
/// our steps, as PyTorch's BLAS threads spin for a while after a call and would take a core from ours.
/// Ratios model_train_vs_pytorch and model_layer_vs_pytorch: the median over rounds of ours / PyTorch.
/// The training workload runs on the shipped base (tools/PRoLoRA.Cli/Data/llama-base) where it is found,
/// else on random weights of its config, written to a temporary checkpoint that both sides load.
/// </summary>
internal static class ModelBenchmark
{
    private const string Group = "model";
    private const int SettleMs = 150;

    public static void Run(BenchContext ctx)
    {
        string device = ctx.OnGpu ? "cuda" : "cpu";
        int threads = ctx.OnGpu ? 0 : Environment.ProcessorCount;
        ConsoleTable.Header(ctx.Output, $"model: LLaMA, PRoLoRA r={ModelWorkload.Rank} u={ModelWorkload.Unshared} m=n={ModelWorkload.Reduce} on all seven linears, " +
            $"ours vs PyTorch ({device}{(ctx.OnGpu ? "" : $", {threads} threads")}), interleaved step by step");
        var peer = PeerProcess.Find(device, out string reason, PeerProcess.ModelScript);
        if (peer is null)
        {
            ctx.Output.WriteLine($"PyTorch skipped: {reason}");
            ctx.Report.Note($"model peers skipped: {reason}");
        }
        if (ctx.Scale != BenchScale.Tiny)
        {
            // Every code path of both workloads on toy sizes until the tiered JIT has optimised it: the large
            // layer takes too few steps to get there itself.
            foreach (var toy in ModelWorkload.For(BenchScale.Tiny))
            {
                using var step = new ModelStep(ctx, toy, folder: null);
                Harness.Measure(ctx.Clock, step.Run, warmup: 40, reps: 1, minWarmupMs: 500);
            }
        }
        foreach (var workload in ModelWorkload.For(ctx.Scale))
        {
            Measure(ctx, workload, peer, device, threads);
        }
        if (peer is not null)
        {
            ctx.Report.Note($"model peer: {peer.Python} {peer.Script}");
        }
    }

    private static void Measure(BenchContext ctx, ModelWorkload workload, PeerProcess? peer, string device, int threads)
    {
        string? temporary = null;
        string? folder = null;
        try
        {
            if (!workload.LayerOnly)
            {
                folder = ctx.Scale == BenchScale.Tiny ? null : ShippedBase.Find();
                if (folder is null)
                {
                    temporary = Path.Combine(Path.GetTempPath(), $"prolora-bench-llama-{Environment.ProcessId}-{Guid.NewGuid():N}");
                    RandomLlama.WriteFolder(temporary, workload.Config, seed: 7);
                    folder = temporary;
                }
                else
                {
                    workload = workload with { Config = Native.Models.Llama.LlamaConfig.Load(folder) };
                    ctx.Output.WriteLine($"base: {folder}");
                }
            }
            int reps = Reps(ctx.Scale, workload.LayerOnly);
            using var ours = new ModelStep(ctx, workload, folder);
            for (int w = 0; w < (workload.LayerOnly ? 1 : 3); w++)
            {
                ctx.Clock.Time(ours.Run);
            }
            using var session = peer?.StartSession(workload.PeerArguments(folder, device, threads, warmup: workload.LayerOnly ? 1 : 3));
            var mine = new List<double>(reps);
            var theirs = new List<double>(reps);
            for (int r = 0; r < reps; r++)
            {
                if (session is not null && !ctx.OnGpu && ctx.Scale != BenchScale.Tiny)
                {
                    Thread.Sleep(SettleMs);
                }
                mine.Add(ctx.Clock.Time(ours.Run));
                if (session is not null)
                {
                    theirs.Add(session.Step());
                }
            }
            Report(ctx, workload, Stats.Of(mine), "ours");
            if (session is null)
            {
                return;
            }
            var peerStats = Stats.Of(theirs);
            Report(ctx, workload, peerStats, "torch");
            double ratio = Stats.MedianRatio(mine, theirs);
            ctx.Report.SetRatio($"model_{workload.Key}_vs_pytorch", ratio);
            ctx.Report.SetRatio($"model_{workload.Key}_vs_pytorch[{workload.Shape}]", ratio);
            ctx.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"   {workload.Key}: tokens/s ours {workload.Tokens / (Stats.Of(mine).MedianMs / 1e3):F0}, PyTorch {workload.Tokens / (peerStats.MedianMs / 1e3):F0} " +
                $"({session.Info.GetProperty("threads").GetInt32()} threads, torch {session.Info.GetProperty("torch").GetString()}{Blas(session.Info)}); time ours/PyTorch {ratio:F3} (median over {reps} rounds)"));
        }
        finally
        {
            if (temporary is not null && Directory.Exists(temporary))
            {
                Directory.Delete(temporary, recursive: true);
            }
        }
    }

    private static void Report(BenchContext ctx, ModelWorkload workload, Stats stats, string who) =>
        ctx.Record(new Measurement(Group, $"{who} {workload.Name}", workload.Shape, stats,
            Gflops: workload.Gflop() / (stats.MedianMs / 1e3), TokensPerSecond: workload.Tokens / (stats.MedianMs / 1e3)));

    /// <summary>Rounds: many short training steps, few long layer steps (seconds each on two cores).</summary>
    private static int Reps(BenchScale scale, bool layer) => scale switch
    {
        BenchScale.Full => layer ? 5 : 21,
        BenchScale.Quick => layer ? 3 : 9,
        _ => 2,
    };

    // The BLAS the peer's matmuls ran on, as it reports it (on the CPU).
    private static string Blas(System.Text.Json.JsonElement info) =>
        info.TryGetProperty("blas", out var blas) && info.GetProperty("device").GetString() == "cpu" ? $", BLAS {blas.GetString()}" : "";
}
