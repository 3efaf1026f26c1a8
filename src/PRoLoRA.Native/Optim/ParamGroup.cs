using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Autograd;

namespace PRoLoRA.Native.Optim;

/// <summary>
/// Parameters that share hyper-parameters in <see cref="AdamW"/>: their learning rate is the
/// optimizer's (or the schedule's) times <see cref="LearningRateScale"/>, and their weight decay is
/// <see cref="WeightDecay"/> when set, the optimizer's otherwise.
/// </summary>
public sealed class ParamGroup
{
    /// <summary>A group; <paramref name="learningRateScale"/> ≥ 0, <paramref name="weightDecay"/> ≥ 0 when given.</summary>
    public ParamGroup(IEnumerable<Variable> parameters, float learningRateScale = 1f, float? weightDecay = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = [.. parameters];
        foreach (var p in Parameters)
        {
            ArgumentNullException.ThrowIfNull(p, nameof(parameters));
            if (!p.RequiresGrad)
            {
                throw new ArgumentException($"{p} takes no gradient: it cannot be optimised", nameof(parameters));
            }
        }
        if (!(learningRateScale >= 0f) || !float.IsFinite(learningRateScale))
        {
            throw new ArgumentException($"learning-rate scale must be >= 0 and finite, got {learningRateScale}", nameof(learningRateScale));
        }
        if (weightDecay is { } wd)
        {
            OptimChecks.WeightDecay(wd, nameof(weightDecay));
        }
        LearningRateScale = learningRateScale;
        WeightDecay = weightDecay;
    }

    /// <summary>The parameters.</summary>
    public IReadOnlyList<Variable> Parameters { get; }

    /// <summary>Factor on the optimizer's learning rate.</summary>
    public float LearningRateScale { get; }

    /// <summary>Weight decay of this group, or null for the optimizer's.</summary>
    public float? WeightDecay { get; }

    /// <summary>
    /// Two groups over PRoLoRA adapters: the shared chunks (chunk_a, chunk_b) with
    /// <paramref name="sharedScale"/> and the unshared ranks (vec_a, vec_b) with
    /// <paramref name="unsharedScale"/>, the paper's suggested separate learning rates.
    /// </summary>
    public static IReadOnlyList<ParamGroup> SharedAndUnshared(IEnumerable<ProLoraAdapter> adapters, float sharedScale, float unsharedScale)
    {
        ArgumentNullException.ThrowIfNull(adapters);
        var list = adapters.ToList();
        return
        [
            new ParamGroup(list.SelectMany(a => new[] { a.ChunkA, a.ChunkB }), sharedScale),
            new ParamGroup(list.SelectMany(a => new[] { a.VecA, a.VecB }), unsharedScale),
        ];
    }
}
