namespace PRoLoRA.Cli.Training;

/// <summary>A progress report of <see cref="Trainer.Train"/>, sent after each evaluation.</summary>
/// <param name="Step">Steps done.</param>
/// <param name="Steps">Steps in the run.</param>
/// <param name="BatchLoss">Mean training-batch loss since the previous report (NaN before the first step).</param>
/// <param name="Point">The evaluation just made.</param>
/// <param name="TokensPerSecond">Predicted characters per second so far.</param>
/// <param name="Elapsed">Time since the run started.</param>
/// <param name="Remaining">Estimated time to the end.</param>
public sealed record TrainProgress(int Step, int Steps, double BatchLoss, LossPoint Point, double TokensPerSecond, TimeSpan Elapsed, TimeSpan Remaining);
