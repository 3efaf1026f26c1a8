using PRoLoRA.Cli.Training;

namespace PRoLoRA.Cli.Demo;

/// <summary>The demo's fixed choices: text sizes and seeds, pretraining and fine-tuning hyper-parameters.</summary>
public static class DemoSettings
{
    /// <summary>Seed of the fables generator.</summary>
    public const int FablesSeed = 1;

    /// <summary>Characters of fables.</summary>
    public const int FablesCharacters = 120_000;

    /// <summary>Seed of the ship's-log generator.</summary>
    public const int ShipsLogSeed = 2;

    /// <summary>Characters of ship's log.</summary>
    public const int ShipsLogCharacters = 40_000;

    /// <summary>Fine-tuning steps of each method by default.</summary>
    public const int FinetuneSteps = 3000;

    /// <summary>Fine-tuning peak learning rate by default (the same for both methods).</summary>
    public const float FinetuneLearningRate = 1e-2f;

    /// <summary>Pretraining steps of the base by default.</summary>
    public const int PretrainSteps = 6000;

    /// <summary>Pretraining peak learning rate.</summary>
    public const float PretrainLearningRate = 3e-3f;

    /// <summary>Batch size of both phases.</summary>
    public const int BatchSize = 64;

    /// <summary>Options of a fine-tuning run.</summary>
    public static TrainOptions Finetune(int steps, float learningRate, int seed)
        => new TrainOptions { Steps = steps, LearningRate = learningRate, BatchSize = BatchSize, Evaluations = 20, EvaluationBatches = 16, Seed = seed }.Validate();

    /// <summary>Options of a pretraining run.</summary>
    public static TrainOptions Pretrain(int steps, int seed)
        => new TrainOptions { Steps = steps, LearningRate = PretrainLearningRate, BatchSize = BatchSize, WeightDecay = 0.01f, Seed = seed }.Validate();
}
