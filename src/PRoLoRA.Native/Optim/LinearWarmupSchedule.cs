namespace PRoLoRA.Native.Optim;

/// <summary>
/// Linear warmup from 0 to the peak over <see cref="WarmupSteps"/> steps, then linear decay to 0 at
/// <see cref="TotalSteps"/> (HF transformers' get_linear_schedule_with_warmup, the paper's schedule):
/// lr(t) = peak·t/warmup for t &lt; warmup, else peak·max(0, (total − t)/(total − warmup)).
/// </summary>
public sealed class LinearWarmupSchedule : ILearningRateSchedule
{
    /// <summary>The schedule; 0 ≤ <paramref name="warmupSteps"/> ≤ <paramref name="totalSteps"/>, <paramref name="totalSteps"/> &gt; 0.</summary>
    public LinearWarmupSchedule(float peakLearningRate, int warmupSteps, int totalSteps)
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
        double decay = (double)(TotalSteps - step) / Math.Max(1, TotalSteps - WarmupSteps);
        return (float)(PeakLearningRate * Math.Max(0.0, decay));
    }
}
