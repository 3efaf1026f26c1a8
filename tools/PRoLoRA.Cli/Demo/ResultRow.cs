namespace PRoLoRA.Cli.Demo;

/// <summary>One row of the closing table.</summary>
/// <param name="Method">Method name.</param>
/// <param name="Settings">Its knobs in words.</param>
/// <param name="Rank">Rank r.</param>
/// <param name="TrainableParameters">Trainable scalars.</param>
/// <param name="TrainLoss">Final training loss.</param>
/// <param name="ValidationLoss">Final validation loss.</param>
/// <param name="Time">Wall time of the run.</param>
public sealed record ResultRow(string Method, string Settings, int Rank, long TrainableParameters, double TrainLoss, double ValidationLoss, TimeSpan Time);
