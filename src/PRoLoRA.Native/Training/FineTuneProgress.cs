namespace PRoLoRA.Native.Training;

/// <summary>Where a fine-tuning run stands after a step.</summary>
/// <param name="Step">Steps done.</param>
/// <param name="Steps">Steps of the run.</param>
/// <param name="Loss">The step's training loss (mean over its counted tokens).</param>
/// <param name="LearningRate">The step's base learning rate.</param>
/// <param name="TokensPerSecond">Tokens (padding excluded) through forward and backward per second of training so far.</param>
/// <param name="Elapsed">Wall time of this process's part of the run.</param>
/// <param name="Remaining">Estimated time to the last step.</param>
/// <param name="ValidationLoss">The validation loss when this step evaluated, else null.</param>
public sealed record FineTuneProgress(int Step, int Steps, double Loss, float LearningRate, double TokensPerSecond, TimeSpan Elapsed, TimeSpan Remaining, double? ValidationLoss);

/// <summary>One evaluation of a run: the mean training loss of the steps since the previous one, and the validation loss.</summary>
/// <param name="Step">Steps done at the evaluation.</param>
/// <param name="TrainLoss">Mean training loss of the steps since the previous evaluation (NaN at step 0).</param>
/// <param name="ValidationLoss">Mean loss on the validation examples (NaN without them).</param>
public sealed record LossPoint(int Step, double TrainLoss, double ValidationLoss);

/// <summary>What a run did.</summary>
/// <param name="History">Every evaluation, resumed parts included.</param>
/// <param name="Elapsed">Wall time of this process's part of the run.</param>
/// <param name="TokensPerSecond">Training tokens per second in this process.</param>
/// <param name="ResumedFrom">The step the run resumed from (0 for a fresh run).</param>
public sealed record FineTuneResult(IReadOnlyList<LossPoint> History, TimeSpan Elapsed, double TokensPerSecond, int ResumedFrom)
{
    /// <summary>The last evaluation.</summary>
    public LossPoint Final => History[^1];
}
