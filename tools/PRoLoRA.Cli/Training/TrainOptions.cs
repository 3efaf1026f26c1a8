namespace PRoLoRA.Cli.Training;

/// <summary>Hyper-parameters of <see cref="Trainer.Train"/>: AdamW with linear warmup and cosine decay, global-norm clipping.</summary>
public sealed record TrainOptions
{
    /// <summary>Optimizer steps (≥ 1).</summary>
    public required int Steps { get; init; }

    /// <summary>Examples per step.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Peak learning rate.</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>Fraction of <see cref="Steps"/> spent warming up linearly from 0.</summary>
    public double WarmupFraction { get; init; } = 0.05;

    /// <summary>AdamW's decoupled weight decay.</summary>
    public float WeightDecay { get; init; }

    /// <summary>Clip the global gradient norm to this, or null for no clipping.</summary>
    public float? MaxGradNorm { get; init; } = 1f;

    /// <summary>Evaluations over the run (evenly spaced; plus one before the first step).</summary>
    public int Evaluations { get; init; } = 10;

    /// <summary>Batches of <see cref="BatchSize"/> per evaluation, at fixed evenly spaced positions.</summary>
    public int EvaluationBatches { get; init; } = 8;

    /// <summary>Seed of the batch sampling.</summary>
    public int Seed { get; init; }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public TrainOptions Validate()
    {
        Require(Steps >= 1, nameof(Steps), $"steps must be >= 1, got {Steps}");
        Require(BatchSize >= 1, nameof(BatchSize), $"batch size must be >= 1, got {BatchSize}");
        Require(LearningRate > 0f && float.IsFinite(LearningRate), nameof(LearningRate), $"learning rate must be > 0 and finite, got {LearningRate}");
        Require(WarmupFraction is >= 0 and < 1, nameof(WarmupFraction), $"warmup fraction must be in [0, 1), got {WarmupFraction}");
        Require(WeightDecay >= 0f && float.IsFinite(WeightDecay), nameof(WeightDecay), $"weight decay must be >= 0, got {WeightDecay}");
        Require(MaxGradNorm is null or > 0f, nameof(MaxGradNorm), $"max gradient norm must be > 0, got {MaxGradNorm}");
        Require(Evaluations >= 1, nameof(Evaluations), $"evaluations must be >= 1, got {Evaluations}");
        Require(EvaluationBatches >= 1, nameof(EvaluationBatches), $"evaluation batches must be >= 1, got {EvaluationBatches}");
        return this;
    }

    private static void Require(bool ok, string field, string message)
    {
        if (!ok)
        {
            throw new ArgumentException(message, field);
        }
    }
}
