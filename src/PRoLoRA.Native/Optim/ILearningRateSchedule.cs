namespace PRoLoRA.Native.Optim;

/// <summary>
/// The learning rate of each optimizer step. <c>step</c> is 0-based: the rate of the first update
/// is <c>LearningRate(0)</c>, as with HF transformers' schedulers stepped after the optimizer.
/// </summary>
public interface ILearningRateSchedule
{
    /// <summary>The learning rate of update number <paramref name="step"/> (0-based, ≥ 0).</summary>
    float LearningRate(int step);
}
