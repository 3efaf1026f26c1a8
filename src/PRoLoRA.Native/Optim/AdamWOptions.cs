namespace PRoLoRA.Native.Optim;

/// <summary>
/// Hyper-parameters of <see cref="AdamW"/> (defaults as torch.optim.AdamW). The learning rate here is
/// the base rate; a <see cref="ParamGroup"/> scales it, a schedule replaces it step by step.
/// </summary>
public sealed record AdamWOptions
{
    /// <summary>Base learning rate (≥ 0).</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>First-moment decay, in [0, 1).</summary>
    public float Beta1 { get; init; } = 0.9f;

    /// <summary>Second-moment decay, in [0, 1).</summary>
    public float Beta2 { get; init; } = 0.999f;

    /// <summary>Denominator guard (&gt; 0).</summary>
    public float Epsilon { get; init; } = 1e-8f;

    /// <summary>Decoupled weight decay (≥ 0), applied as p −= lr·wd·p.</summary>
    public float WeightDecay { get; init; } = 0.01f;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public AdamWOptions Validate()
    {
        OptimChecks.LearningRate(LearningRate, nameof(LearningRate));
        OptimChecks.Beta(Beta1, nameof(Beta1));
        OptimChecks.Beta(Beta2, nameof(Beta2));
        if (!(Epsilon > 0f) || !float.IsFinite(Epsilon))
        {
            throw new ArgumentException($"epsilon must be > 0 and finite, got {Epsilon}", nameof(Epsilon));
        }
        OptimChecks.WeightDecay(WeightDecay, nameof(WeightDecay));
        return this;
    }
}
