namespace PRoLoRA.Native.Optim;

/// <summary>
/// Linear warmup from 0 to the peak over <see cref="WarmupSteps"/> steps, then a half cosine down to 0
/// at <see cref="TotalSteps"/> (HF transformers' get_cosine_schedule_with_warmup):
/// lr(t) = peak·t/warmup for t &lt; warmup, else peak·½(1 + cos(π·p)), p = (t − warmup)/(total − warmup) capped at 1.
/// </summary>
public sealed class CosineWarmupSchedule : ILearningRateSchedule
{
    /// <summary>The schedule; 0 ≤ <paramref name="warmupSteps"/> ≤ <paramref name="totalSteps"/>, <paramref name="totalSteps"/> &gt; 0.</summary>
    public CosineWarmupSchedule(float peakLearningRate, int warmupSteps, int totalSteps)
    {
        OptimChecks.LearningRate(peakLearningRate, nameof(peakLearningRate));
        OptimChecks.Steps(warmupSteps, totalSteps);
        PeakLearningRate = peakLearningRate;
        WarmupSteps = warmupSteps;
        TotalSteps = totalSteps;
    }

    /// <summary>The rate at the end of warmup.</summary>
    public float PeakLearningRate { get; }

    /// <summary>Steps of linear warmup.</summary>
    public int WarmupSteps { get; }

    /// <summary>The step at which the rate reaches 0.</summary>
    public int TotalSteps { get; }

    /// <inheritdoc/>
    public float LearningRate(int step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if (step < WarmupSteps)
        {
            return (float)((double)PeakLearningRate * step / WarmupSteps);
        }
        double progress = Math.Min(1.0, (double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps));
        return (float)(PeakLearningRate * 0.5 * (1.0 + Math.Cos(Math.PI * progress)));
    }
}
