namespace PRoLoRA.Cli.Training;

/// <summary>The losses at one evaluation: mean cross-entropy (nats per character) on fixed training and validation windows.</summary>
/// <param name="Step">Steps done when evaluated (0: before training).</param>
/// <param name="TrainLoss">Loss on the training text.</param>
/// <param name="ValidationLoss">Loss on the held-out text.</param>
public readonly record struct LossPoint(int Step, double TrainLoss, double ValidationLoss);
