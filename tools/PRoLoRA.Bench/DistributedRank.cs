using System.Globalization;
using System.Text.Json;
using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Distributed;
using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Training;

namespace PRoLoRA.Bench;

/// <summary>
/// The distributed group's measurement in a process of its own (alone, or one rank under mpirun):
/// PRoLoRA (r=8, u=1, m=n=7, all seven linears) fine-tuned on the shipped base with synthetic
/// examples; rank 0 prints one JSON line: milliseconds per step after the first few, and per step in
/// waiting for the other rank and in the all-reduce itself.
/// </summary>
internal static class DistributedRank
{
    /// <summary>The verb (not in the usage).</summary>
    public const string Verb = "distributed-rank";

    private const int Warmup = 3;

    /// <summary>Runs <c>distributed-rank STEPS BATCH</c>.</summary>
    public static int Run(string[] args, TextWriter output)
    {
        int steps = int.Parse(args[0], CultureInfo.InvariantCulture);
        int batch = int.Parse(args[1], CultureInfo.InvariantCulture);
        var folder = ShippedBase.Find() ?? throw new InvalidOperationException("the shipped base (tools/PRoLoRA.Cli/Data/llama-base) is not found");
        using var collective = new TimedCollective(Collectives.Open(LaunchEnvironment.Current(), gpu: false));
        using var model = LlamaModel.Load(folder, CpuBackend.Instance);
        var modules = LlamaModules.Targets(model.Config, []);
        model.AddAdapters(LlamaModel.NewAdapters(modules, m => ProLoraConfig.ProLora(m.InFeatures, m.OutFeatures, 8, 1, 7, 7), 0, CpuBackend.Instance));
        var rng = new Random(1);
        var train = Enumerable.Range(0, 512).Select(_ => new TokenizedExample([.. Enumerable.Range(0, 24 + rng.Next(9)).Select(_ => rng.Next(model.Config.VocabularySize))], 8)).ToList();
        var options = new FineTuneOptions { Steps = steps, BatchSize = batch, SequenceLength = 32, LearningRate = 1e-3f };
        TimeSpan warm = TimeSpan.Zero, warmAllReduce = TimeSpan.Zero, warmWait = TimeSpan.Zero;
        var result = FineTuner.Run(model, train, [], options, progress: p =>
        {
            if (p.Step == Warmup)
            {
                (warm, warmAllReduce, warmWait) = (p.Elapsed, collective.AllReduceTime, collective.WaitTime);
            }
        }, collective: collective);
        if (collective.Rank == 0)
        {
            int timed = steps - Warmup;
            output.WriteLine(JsonSerializer.Serialize(new
            {
                step_ms = (result.Elapsed - warm).TotalMilliseconds / timed,
                allreduce_ms = (collective.AllReduceTime - warmAllReduce).TotalMilliseconds / timed,
                wait_ms = (collective.WaitTime - warmWait).TotalMilliseconds / timed,
                floats = collective.LastLength,
                ranks = collective.WorldSize,
            }));
        }
        return 0;
    }
}
