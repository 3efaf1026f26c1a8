using System.CommandLine;
using System.Globalization;
using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Training;

namespace PRoLoRA.Cli.FineTuning;

/// <summary>
/// The options of `prolora train --model DIR --data FILE`: the adapter method and its fields, the
/// target modules and <see cref="FineTuneOptions"/>, each checked with a message naming the option.
/// </summary>
public sealed class TrainArguments
{
    /// <summary>The checkpoint folder to fine-tune.</summary>
    public Option<string?> Model { get; } = new("--model") { Description = "Hugging Face LLaMA folder (config.json, model.safetensors, tokenizer.json); without it, the main job runs" };

    /// <summary>Training records.</summary>
    public Option<string?> Data { get; } = new("--data") { Description = "training records, JSON Lines: {\"prompt\",\"completion\"} (loss on the completion) or {\"text\"}" };

    /// <summary>Validation records.</summary>
    public Option<string?> Validation { get; } = new("--validation") { Description = "validation records, same format as --data" };

    /// <summary>Leaf names to adapt.</summary>
    public Option<string> TargetModules { get; } = new("--target-modules") { Description = "comma-separated leaf names or 'all'", DefaultValueFactory = _ => "all" };

    /// <summary>prolora or lora.</summary>
    public Option<string> Method { get; } = new("--method") { Description = "prolora or lora", DefaultValueFactory = _ => "prolora" };

    /// <summary>Rank r.</summary>
    public Option<int> Rank { get; } = new("--rank") { Description = "rank r", DefaultValueFactory = _ => 8 };

    /// <summary>Unshared ranks u (PRoLoRA).</summary>
    public Option<int> UnsharedRank { get; } = new("--unshared-rank") { Description = "unshared ranks u (prolora only)", DefaultValueFactory = _ => 1 };

    /// <summary>Sharing rate of A (PRoLoRA).</summary>
    public Option<int> ReduceA { get; } = new("--reduce-a") { Description = "sharing rate m of A (prolora only)", DefaultValueFactory = _ => 7 };

    /// <summary>Sharing rate of B (PRoLoRA).</summary>
    public Option<int> ReduceB { get; } = new("--reduce-b") { Description = "sharing rate n of B (prolora only)", DefaultValueFactory = _ => 7 };

    /// <summary>Initialisation of A (PRoLoRA).</summary>
    public Option<string> Init { get; } = new("--init") { Description = "rectified or vanilla (prolora only)", DefaultValueFactory = _ => "rectified" };

    /// <summary>lora_alpha.</summary>
    public Option<float> Alpha { get; } = new("--alpha") { Description = "lora_alpha", DefaultValueFactory = _ => 16f };

    /// <summary>Adapter dropout.</summary>
    public Option<float> Dropout { get; } = new("--dropout") { Description = "dropout on the adapters' input", DefaultValueFactory = _ => 0f };

    /// <summary>Micro-batch size.</summary>
    public Option<int> BatchSize { get; } = new("--batch-size") { Description = "examples per micro-batch", DefaultValueFactory = _ => 8 };

    /// <summary>Sequence length.</summary>
    public Option<int> SequenceLength { get; } = new("--seq-len") { Description = "longest sequence in tokens (longer examples are cut)", DefaultValueFactory = _ => 256 };

    /// <summary>Gradient accumulation.</summary>
    public Option<int> GradientAccumulation { get; } = new("--grad-accum") { Description = "micro-batches per optimizer step", DefaultValueFactory = _ => 1 };

    /// <summary>Optimizer steps.</summary>
    public Option<int> Steps { get; } = new("--steps") { Description = "optimizer steps", DefaultValueFactory = _ => 100 };

    /// <summary>Peak learning rate.</summary>
    public Option<float> LearningRate { get; } = new("--lr") { Description = "peak learning rate", DefaultValueFactory = _ => 2e-4f };

    /// <summary>Schedule after warmup.</summary>
    public Option<string> Schedule { get; } = new("--schedule") { Description = "constant, linear or cosine", DefaultValueFactory = _ => "cosine" };

    /// <summary>Warmup steps.</summary>
    public Option<int> Warmup { get; } = new("--warmup") { Description = "steps of linear warmup", DefaultValueFactory = _ => 0 };

    /// <summary>AdamW weight decay.</summary>
    public Option<float> WeightDecay { get; } = new("--weight-decay") { Description = "AdamW's decoupled weight decay", DefaultValueFactory = _ => 0f };

    /// <summary>Global-norm clip.</summary>
    public Option<float> Clip { get; } = new("--clip") { Description = "clip the global gradient norm to this (0: no clipping)", DefaultValueFactory = _ => 0.3f };

    /// <summary>LR factor of the shared chunks.</summary>
    public Option<float> SharedLearningRateScale { get; } = new("--shared-lr-scale") { Description = "learning-rate factor of the shared chunks", DefaultValueFactory = _ => 1f };

    /// <summary>LR factor of the unshared ranks.</summary>
    public Option<float> UnsharedLearningRateScale { get; } = new("--unshared-lr-scale") { Description = "learning-rate factor of the unshared ranks", DefaultValueFactory = _ => 1f };

    /// <summary>Validation every K steps.</summary>
    public Option<int> EvaluateEvery { get; } = new("--eval-every") { Description = "validation loss every K steps (0: first and last only)", DefaultValueFactory = _ => 0 };

    /// <summary>Checkpoint every K steps.</summary>
    public Option<int> SaveEvery { get; } = new("--save-every") { Description = "a checkpoint-STEP folder under --out every K steps (0: none)", DefaultValueFactory = _ => 0 };

    /// <summary>Resume from a checkpoint.</summary>
    public Option<string?> Resume { get; } = new("--resume") { Description = "a checkpoint-STEP folder, or a run folder whose latest checkpoint to continue" };

    /// <summary>Every option of this class.</summary>
    public IReadOnlyList<Option> All => [Model, Data, Validation, TargetModules, Method, Rank, UnsharedRank, ReduceA, ReduceB, Init, Alpha, Dropout, BatchSize, SequenceLength, GradientAccumulation, Steps, LearningRate, Schedule, Warmup, WeightDecay, Clip, SharedLearningRateScale, UnsharedLearningRateScale, EvaluateEvery, SaveEvery, Resume];

    /// <summary>The options given on the command line (not defaulted).</summary>
    public IEnumerable<Option> Given(ParseResult p) => All.Where(o => p.GetResult(o) is { Implicit: false });

    /// <summary>The adapter method, checked.</summary>
    public AdapterMethod MethodOf(ParseResult p)
    {
        ArgumentNullException.ThrowIfNull(p);
        int rank = p.GetValue(Rank);
        float alpha = p.GetValue(Alpha), dropout = p.GetValue(Dropout);
        Require(rank > 0, $"--rank must be > 0, got {rank}");
        Require(float.IsFinite(alpha), $"--alpha must be finite, got {Text(alpha)}");
        Require(dropout >= 0f && dropout < 1f, $"--dropout must be in [0, 1), got {Text(dropout)}");
        switch (p.GetValue(Method))
        {
            case "lora":
                var prOnly = new Option[] { UnsharedRank, ReduceA, ReduceB, Init }.FirstOrDefault(o => p.GetResult(o) is { Implicit: false });
                Require(prOnly is null, $"{prOnly?.Name} applies to --method prolora only");
                return AdapterMethod.Lora(rank, alpha, dropout);
            case "prolora":
                int u = p.GetValue(UnsharedRank), m = p.GetValue(ReduceA), n = p.GetValue(ReduceB);
                Require(u >= 0 && u <= rank, $"--unshared-rank must be in [0, --rank = {rank}], got {u}");
                Require(m > 0, $"--reduce-a must be > 0, got {m}");
                Require(n > 0, $"--reduce-b must be > 0, got {n}");
                var init = p.GetValue(Init) switch
                {
                    "rectified" => InitKind.Rectified,
                    "vanilla" => InitKind.Vanilla,
                    var other => throw new ArgumentException($"--init must be rectified or vanilla, got '{other}'"),
                };
                return AdapterMethod.ProLora(rank, u, m, n, alpha, dropout, init);
            case var other:
                throw new ArgumentException($"--method must be prolora or lora, got '{other}'");
        }
    }

    /// <summary>The leaf names of --target-modules (empty for all seven).</summary>
    public IReadOnlyList<string> TargetsOf(ParseResult p)
    {
        ArgumentNullException.ThrowIfNull(p);
        var text = p.GetValue(TargetModules) ?? "all";
        if (text.Trim() == "all")
        {
            return [];
        }
        var leaves = text.Split(',', StringSplitOptions.TrimEntries);
        foreach (var leaf in leaves)
        {
            Require(LlamaModules.Leaves.Contains(leaf), $"--target-modules: '{leaf}' is not a LLaMA linear; use 'all' or any of {string.Join(", ", LlamaModules.Leaves)}");
        }
        Require(leaves.Distinct(StringComparer.Ordinal).Count() == leaves.Length, $"--target-modules names a module twice: {text}");
        return leaves;
    }

    /// <summary>The fine-tuning options, checked.</summary>
    public FineTuneOptions OptionsOf(ParseResult p, int seed)
    {
        ArgumentNullException.ThrowIfNull(p);
        float clip = p.GetValue(Clip);
        Require(clip >= 0f && float.IsFinite(clip), $"--clip must be >= 0 and finite (0: no clipping), got {Text(clip)}");
        var options = new FineTuneOptions
        {
            Steps = p.GetValue(Steps),
            BatchSize = p.GetValue(BatchSize),
            GradientAccumulation = p.GetValue(GradientAccumulation),
            SequenceLength = p.GetValue(SequenceLength),
            LearningRate = p.GetValue(LearningRate),
            Schedule = p.GetValue(Schedule) switch
            {
                "constant" => ScheduleKind.Constant,
                "linear" => ScheduleKind.Linear,
                "cosine" => ScheduleKind.Cosine,
                var other => throw new ArgumentException($"--schedule must be constant, linear or cosine, got '{other}'"),
            },
            WarmupSteps = p.GetValue(Warmup),
            WeightDecay = p.GetValue(WeightDecay),
            MaxGradNorm = clip == 0f ? null : clip,
            SharedLearningRateScale = p.GetValue(SharedLearningRateScale),
            UnsharedLearningRateScale = p.GetValue(UnsharedLearningRateScale),
            EvaluateEvery = p.GetValue(EvaluateEvery),
            SaveEvery = p.GetValue(SaveEvery),
            Seed = seed,
        };
        try
        {
            return options.Validate();
        }
        catch (ArgumentException e) when (e.ParamName is { } field && OptionNames.TryGetValue(field, out var name))
        {
            throw new ArgumentException($"{name}: {Cli.Message(e)}", e);
        }
    }

    private static readonly Dictionary<string, string> OptionNames = new(StringComparer.Ordinal)
    {
        [nameof(FineTuneOptions.Steps)] = "--steps",
        [nameof(FineTuneOptions.BatchSize)] = "--batch-size",
        [nameof(FineTuneOptions.GradientAccumulation)] = "--grad-accum",
        [nameof(FineTuneOptions.SequenceLength)] = "--seq-len",
        [nameof(FineTuneOptions.LearningRate)] = "--lr",
        [nameof(FineTuneOptions.WarmupSteps)] = "--warmup",
        [nameof(FineTuneOptions.WeightDecay)] = "--weight-decay",
        [nameof(FineTuneOptions.MaxGradNorm)] = "--clip",
        [nameof(FineTuneOptions.SharedLearningRateScale)] = "--shared-lr-scale",
        [nameof(FineTuneOptions.UnsharedLearningRateScale)] = "--unshared-lr-scale",
        [nameof(FineTuneOptions.EvaluateEvery)] = "--eval-every",
        [nameof(FineTuneOptions.SaveEvery)] = "--save-every",
    };

    private static string Text(float v) => v.ToString(CultureInfo.InvariantCulture);

    private static void Require(bool ok, string message)
    {
        if (!ok)
        {
            throw new ArgumentException(message);
        }
    }
}
