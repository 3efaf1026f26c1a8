namespace PRoLoRA.Native.Optim;

/// <summary>
/// Linear warmup, then linear decay to 0 at <see cref="WarmupSchedule.TotalSteps"/> (HF transformers'
/// get_linear_schedule_with_warmup, the paper's schedule): lr(t) = peak·max(0, (total − t)/(total − warmup)).
/// </summary>
public sealed class LinearWarmupSchedule(float peakLearningRate, int warmupSteps, int totalSteps)
    : WarmupSchedule(peakLearningRate, warmupSteps, totalSteps)
{
    /// <inheritdoc/>
    protected override double Decay(double progress) => Math.Max(0.0, 1.0 - progress);
}
