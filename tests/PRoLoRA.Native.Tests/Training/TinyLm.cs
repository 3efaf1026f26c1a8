using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Cli.Training;

namespace PRoLoRA.Native.Tests.Training;

/// <summary>A tiny character LM and text for fast, seeded training tests (widths multiples of 7, like the demo).</summary>
internal static class TinyLm
{
    public static CharVocabulary Vocabulary { get; } = new("abcdef ");

    public static CharLmConfig Config { get; } = new CharLmConfig { VocabularySize = 7, ContextLength = 4, EmbeddingSize = 7, Hidden = 14, HiddenLayers = 1 }.Validate();

    public static (CharDataset Train, CharDataset Validation) Data()
        => CharDataset.Split(Vocabulary.Encode(string.Concat(Enumerable.Repeat("bad cafe fed a dab ", 40))), Config.ContextLength, 0.2);

    public static CharLmWeights Base(int seed = 3) => CharLmWeights.Create(Config, CpuBackend.Instance, seed);

    public static TrainOptions Options(int steps, float learningRate = 1e-2f)
        => new() { Steps = steps, BatchSize = 32, LearningRate = learningRate, Evaluations = 2, EvaluationBatches = 4, Seed = 7 };
}
