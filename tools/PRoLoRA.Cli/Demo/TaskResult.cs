using PRoLoRA.Native.Training;

namespace PRoLoRA.Cli.Demo;

/// <summary>One (task, method) run of the main job.</summary>
/// <param name="Task">The task's name.</param>
/// <param name="Method">The method's name.</param>
/// <param name="Settings">The method's knobs in words.</param>
/// <param name="TrainableParameters">Trainable scalars.</param>
/// <param name="BaseExactMatch">Exact match of the base alone on the held-out prompts.</param>
/// <param name="ExactMatch">Exact match after fine-tuning.</param>
/// <param name="Run">The fine-tuning run (loss history, speed, time).</param>
public sealed record TaskResult(string Task, string Method, string Settings, long TrainableParameters, double BaseExactMatch, double ExactMatch, FineTuneResult Run);
