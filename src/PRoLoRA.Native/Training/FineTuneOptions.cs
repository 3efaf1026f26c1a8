namespace PRoLoRA.Native.Training;

/// <summary>How the learning rate moves over a fine-tuning run (after the linear warmup).</summary>
public enum ScheduleKind
{
    /// <summary>Stays at the peak.</summary>
    Constant,

    /// <summary>Falls linearly to 0 at the last step.</summary>
    Linear,

    /// <summary>Falls along half a cosine to 0 at the last step.</summary>
    Cosine,
}

/// <summary>
/// Hyper-parameters of <see cref="FineTuner"/>: AdamW on the adapters, warmup then a schedule,
/// global-norm clipping (0.3 by default, as in the paper), gradient accumulation, separate learning
/// rates for the shared chunks and the unshared ranks, periodic evaluation and checkpoints.
/// </summary>
public sealed record FineTuneOptions
{
    /// <summary>Optimizer steps.</summary>
    public int Steps { get; init; } = 100;

    /// <summary>Examples per micro-batch.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Micro-batches per optimizer step (their gradients add up, weighted by counted tokens).</summary>
    public int GradientAccumulation { get; init; } = 1;

    /// <summary>Longest sequence in tokens; longer examples are cut at the end.</summary>
    public int SequenceLength { get; init; } = 256;

    /// <summary>Peak learning rate.</summary>
    public float LearningRate { get; init; } = 2e-4f;

    /// <summary>The decay after warmup.</summary>
    public ScheduleKind Schedule { get; init; } = ScheduleKind.Cosine;

    /// <summary>Steps of linear warmup from 0.</summary>
    public int WarmupSteps { get; init; }

    /// <summary>AdamW's decoupled weight decay.</summary>
    public float WeightDecay { get; init; }

    /// <summary>Clip the global gradient norm to this; null for no clipping.</summary>
    public float? MaxGradNorm { get; init; } = 0.3f;

    /// <summary>Learning-rate factor of the shared chunks (chunk_a, chunk_b).</summary>
    public float SharedLearningRateScale { get; init; } = 1f;

    /// <summary>Learning-rate factor of the unshared ranks (vec_a, vec_b).</summary>
    public float UnsharedLearningRateScale { get; init; } = 1f;

    /// <summary>Validation loss every this many steps (and before the first and after the last); 0 only at the ends.</summary>
    public int EvaluateEvery { get; init; }

    /// <summary>A checkpoint every this many steps (and after the last); 0 for none.</summary>
    public int SaveEvery { get; init; }

    /// <summary>Seed of the example order (the adapters' own seeds drive their init and dropout).</summary>
    public int Seed { get; init; }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first bad field.</summary>
    public FineTuneOptions Validate()
    {
        Require(Steps >= 1, nameof(Steps), $"steps must be >= 1, got {Steps}");
        Require(BatchSize >= 1, nameof(BatchSize), $"batch size must be >= 1, got {BatchSize}");
        Require(GradientAccumulation >= 1, nameof(GradientAccumulation), $"gradient accumulation must be >= 1, got {GradientAccumulation}");
        Require(SequenceLength >= 2, nameof(SequenceLength), $"sequence length must be >= 2, got {SequenceLength}");
        Require(LearningRate > 0f && float.IsFinite(LearningRate), nameof(LearningRate), $"learning rate must be > 0 and finite, got {LearningRate}");
        Require(Enum.IsDefined(Schedule), nameof(Schedule), $"schedule {(int)Schedule} is not one of constant, linear, cosine");
        Require(WarmupSteps >= 0 && WarmupSteps < Steps, nameof(WarmupSteps), $"warmup steps must be in [0, steps = {Steps}), got {WarmupSteps}");
        Require(WeightDecay >= 0f && float.IsFinite(WeightDecay), nameof(WeightDecay), $"weight decay must be >= 0 and finite, got {WeightDecay}");
        Require(MaxGradNorm is null || (MaxGradNorm > 0f && float.IsFinite(MaxGradNorm.Value)), nameof(MaxGradNorm), $"clip must be > 0 and finite, got {MaxGradNorm}");
        Require(SharedLearningRateScale >= 0f && float.IsFinite(SharedLearningRateScale), nameof(SharedLearningRateScale), $"shared learning-rate scale must be >= 0 and finite, got {SharedLearningRateScale}");
        Require(UnsharedLearningRateScale >= 0f && float.IsFinite(UnsharedLearningRateScale), nameof(UnsharedLearningRateScale), $"unshared learning-rate scale must be >= 0 and finite, got {UnsharedLearningRateScale}");
        Require(EvaluateEvery >= 0, nameof(EvaluateEvery), $"evaluate-every must be >= 0, got {EvaluateEvery}");
        Require(SaveEvery >= 0, nameof(SaveEvery), $"save-every must be >= 0, got {SaveEvery}");
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
