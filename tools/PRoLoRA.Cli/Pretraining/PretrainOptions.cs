namespace PRoLoRA.Cli.Pretraining;

/// <summary>How <see cref="BasePretrainer"/> trains; the defaults made Data/llama-base.</summary>
public sealed record PretrainOptions
{
    /// <summary>Optimizer steps.</summary>
    public int Steps { get; init; } = 800;

    /// <summary>Seed of the initialisation and of the text.</summary>
    public int Seed { get; init; }

    /// <summary>Sequences per step.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Tokens per sequence.</summary>
    public int SequenceLength { get; init; } = 128;

    /// <summary>Peak learning rate (after warmup; cosine decay to 0 at the last step).</summary>
    public float LearningRate { get; init; } = 3e-3f;

    /// <summary>Steps of linear warmup (at most a tenth of the steps).</summary>
    public int WarmupSteps { get; init; } = 100;

    /// <summary>AdamW weight decay of the matrices (the norms have none).</summary>
    public float WeightDecay { get; init; } = 0.1f;

    /// <summary>Global gradient-norm clip.</summary>
    public float MaxGradNorm { get; init; } = 1f;

    /// <summary>Held-out sequences the validation loss is measured on.</summary>
    public int ValidationSequences { get; init; } = 64;

    /// <summary>Steps between progress lines.</summary>
    public int LogEvery { get; init; } = 25;

    /// <summary>Steps between validation losses (and at the last step).</summary>
    public int EvaluateEvery { get; init; } = 500;

    /// <summary>Checks every field, naming the option at fault.</summary>
    public PretrainOptions Validate()
    {
        Positive(Steps, "--steps");
        Positive(BatchSize, "--batch-size");
        Positive(ValidationSequences, "--validation-sequences");
        Positive(LogEvery, "--log-every");
        Positive(EvaluateEvery, "--evaluate-every");
        if (SequenceLength < 2 || SequenceLength > BaseModelShape.MaxPositions)
        {
            throw new ArgumentException($"--sequence-length must be in [2, {BaseModelShape.MaxPositions}], got {SequenceLength}");
        }
        if (!(LearningRate > 0) || !float.IsFinite(LearningRate))
        {
            throw new ArgumentException($"--learning-rate must be > 0, got {LearningRate}");
        }
        if (WarmupSteps < 0)
        {
            throw new ArgumentException($"--warmup-steps must be >= 0, got {WarmupSteps}");
        }
        return this;
    }

    private static void Positive(int value, string option)
    {
        if (value <= 0)
        {
            throw new ArgumentException($"{option} must be > 0, got {value}");
        }
    }
}
