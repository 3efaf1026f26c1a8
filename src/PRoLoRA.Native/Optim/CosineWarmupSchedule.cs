namespace PRoLoRA.Native.Optim;

/// <summary>
/// Linear warmup, then a half cosine down to 0 at <see cref="WarmupSchedule.TotalSteps"/> (HF transformers'
/// get_cosine_schedule_with_warmup): lr(t) = peak·½(1 + cos(π·min(p, 1))).
/// </summary>
public sealed class CosineWarmupSchedule(float peakLearningRate, int warmupSteps, int totalSteps)
    : WarmupSchedule(peakLearningRate, warmupSteps, totalSteps)
{
    /// <inheritdoc/>
    protected override double Decay(double progress) => 0.5 * (1.0 + Math.Cos(Math.PI * Math.Min(1.0, progress)));
}
