namespace PRoLoRA.Native.Optim;

/// <summary>
/// Linear warmup from 0 to the peak over <see cref="WarmupSteps"/> steps, then a decay shaped by
/// <see cref="Decay"/> of the progress p = (t − warmup)/(total − warmup).
/// </summary>
public abstract class WarmupSchedule : ILearningRateSchedule
{
    /// <summary>The schedule; 0 ≤ <paramref name="warmupSteps"/> ≤ <paramref name="totalSteps"/>, <paramref name="totalSteps"/> &gt; 0.</summary>
    protected WarmupSchedule(float peakLearningRate, int warmupSteps, int totalSteps)
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
        double progress = (double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps);
        return (float)(PeakLearningRate * Decay(progress));
    }

    /// <summary>The fraction of the peak after warmup, at progress p ≥ 0 (1 at p = 0, 0 from p = 1 on).</summary>
    protected abstract double Decay(double progress);
}
