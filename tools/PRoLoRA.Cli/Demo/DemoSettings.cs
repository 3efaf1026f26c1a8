using PRoLoRA.Native.Training;

namespace PRoLoRA.Cli.Demo;

/// <summary>The main job's fixed choices: the shipped base, data sizes, seeds and fine-tuning hyper-parameters.</summary>
public static class DemoSettings
{
    /// <summary>The shipped base model (Data/llama-base beside the executable; see Data/README.md).</summary>
    public static string BaseFolder => Pretraining.BaseModelShape.ShippedFolder;

    /// <summary>Fine-tuning steps of each (method, task) run by default.</summary>
    public const int Steps = 800;

    /// <summary>Examples per step.</summary>
    public const int BatchSize = 16;

    /// <summary>Peak learning rate (both methods).</summary>
    public const float LearningRate = 5e-3f;

    /// <summary>Longest example in tokens (the tasks' examples are shorter).</summary>
    public const int SequenceLength = 48;

    /// <summary>Validation examples per task.</summary>
    public const int ValidationExamples = 64;

    /// <summary>Held-out prompts per task for exact match.</summary>
    public const int TestPrompts = 100;

    /// <summary>Options of one run.</summary>
    public static FineTuneOptions Options(int steps, int seed) => new FineTuneOptions
    {
        Steps = steps,
        BatchSize = BatchSize,
        SequenceLength = SequenceLength,
        LearningRate = LearningRate,
        Schedule = ScheduleKind.Cosine,
        WarmupSteps = Math.Min(10, steps / 10),
        EvaluateEvery = Math.Max(steps / 16, 1),
        Seed = seed,
    }.Validate();
}
