namespace PRoLoRA.Native.Optim;

/// <summary>Linear warmup to the peak, then the peak until the end.</summary>
public sealed class WarmupConstantSchedule(float peakLearningRate, int warmupSteps)
    : WarmupSchedule(peakLearningRate, warmupSteps, Math.Max(1, warmupSteps))
{
    /// <inheritdoc/>
    protected override double Decay(double progress) => 1;
}
