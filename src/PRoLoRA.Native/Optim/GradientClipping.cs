using PRoLoRA.Native.Autograd;

namespace PRoLoRA.Native.Optim;

/// <summary>Global gradient-norm clipping (torch.nn.utils.clip_grad_norm_), on any backend.</summary>
public static class GradientClipping
{
    /// <summary>
    /// The global L2 norm of the gradients of <paramref name="parameters"/> (those without one count as
    /// zero): √Σ‖g‖², each term from the gradient's own backend.
    /// </summary>
    public static double GlobalNorm(IEnumerable<Variable> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        double sum = 0;
        foreach (var p in parameters)
        {
            if (p.Grad is { } g)
            {
                sum += g.Backend.SumOfSquares(g);
            }
        }
        return Math.Sqrt(sum);
    }

    /// <summary>
    /// Scales every gradient by maxNorm / (norm + 1e-6) when the global norm exceeds
    /// <paramref name="maxNorm"/> (the paper uses 0.3), so the norm becomes the limit. Returns the norm
    /// before clipping; a non-finite norm is returned without touching the gradients, so the caller
    /// can skip the step.
    /// </summary>
    public static double ClipGlobalNorm(IEnumerable<Variable> parameters, float maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(maxNorm > 0f) || !float.IsFinite(maxNorm))
        {
            throw new ArgumentException($"max gradient norm must be > 0 and finite, got {maxNorm}", nameof(maxNorm));
        }
        var list = parameters as IReadOnlyCollection<Variable> ?? [.. parameters];
        double norm = GlobalNorm(list);
        if (double.IsFinite(norm) && norm > maxNorm)
        {
            float scale = (float)(maxNorm / (norm + 1e-6));
            foreach (var p in list)
            {
                if (p.Grad is { } g)
                {
                    g.Backend.Axpby(scale, g, 0f, g);
                }
            }
        }
        return norm;
    }
}
