namespace PRoLoRA.Cli.Training;

/// <summary>What <see cref="Trainer.Train"/> measured.</summary>
/// <param name="History">Every evaluation, the first before training and the last after it.</param>
/// <param name="Elapsed">Wall time of the run, evaluations included.</param>
/// <param name="TokensPerSecond">Predicted characters per second of training.</param>
public sealed record TrainResult(IReadOnlyList<LossPoint> History, TimeSpan Elapsed, double TokensPerSecond)
{
    /// <summary>The evaluation after the last step.</summary>
    public LossPoint Final => History[^1];
}
