using PRoLoRA.Native.Adapters;

namespace PRoLoRA.Cli.Training;

/// <summary>
/// The shape of the character MLP language model (Bengio et al. 2003): the embeddings of the last
/// <see cref="ContextLength"/> characters, concatenated, go through <see cref="HiddenLayers"/> ReLU
/// linears of width <see cref="Hidden"/> and an output linear to logits over the vocabulary.
/// </summary>
public sealed record CharLmConfig
{
    /// <summary>Characters in the vocabulary.</summary>
    public required int VocabularySize { get; init; }

    /// <summary>Characters of context.</summary>
    public int ContextLength { get; init; } = 12;

    /// <summary>Width of a character embedding.</summary>
    public int EmbeddingSize { get; init; } = 14;

    /// <summary>Width of the hidden layers.</summary>
    public int Hidden { get; init; } = 224;

    /// <summary>Number of hidden ReLU layers (≥ 1).</summary>
    public int HiddenLayers { get; init; } = 2;

    /// <summary>
    /// The demo's model over <paramref name="vocabulary"/>: 12 characters of context, embeddings of 14,
    /// two hidden layers of 224 (every width a multiple of 7, PRoLoRA's sharing rate in the demo).
    /// </summary>
    public static CharLmConfig Demo(CharVocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        return new CharLmConfig { VocabularySize = vocabulary.Size }.Validate();
    }

    /// <summary>Width of the first linear's input: context × embedding.</summary>
    public int InputSize => ContextLength * EmbeddingSize;

    /// <summary>The linears, input first: fc1 … fc{L}, then head (the names of their tensors and adapters).</summary>
    public IReadOnlyList<ModuleShape> Linears
    {
        get
        {
            var list = new List<ModuleShape>();
            int width = InputSize;
            for (int i = 0; i < HiddenLayers; i++)
            {
                list.Add(new ModuleShape($"fc{i + 1}", width, Hidden));
                width = Hidden;
            }
            list.Add(new ModuleShape("head", width, VocabularySize));
            return list;
        }
    }

    /// <summary>Parameters of the base model: the embedding table and every linear's weight and bias.</summary>
    public long BaseParameters => ((long)VocabularySize * EmbeddingSize) + Linears.Sum(m => ((long)m.InFeatures * m.OutFeatures) + m.OutFeatures);

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public CharLmConfig Validate()
    {
        Require(VocabularySize >= 2, nameof(VocabularySize), $"vocabulary size must be >= 2, got {VocabularySize}");
        Require(ContextLength >= 1, nameof(ContextLength), $"context length must be >= 1, got {ContextLength}");
        Require(EmbeddingSize >= 1, nameof(EmbeddingSize), $"embedding size must be >= 1, got {EmbeddingSize}");
        Require(Hidden >= 1, nameof(Hidden), $"hidden width must be >= 1, got {Hidden}");
        Require(HiddenLayers >= 1, nameof(HiddenLayers), $"hidden layers must be >= 1, got {HiddenLayers}");
        Require((long)ContextLength * EmbeddingSize <= int.MaxValue, nameof(EmbeddingSize), $"context length × embedding size must be at most {int.MaxValue}, got {ContextLength} × {EmbeddingSize}");
        return this;
    }

    private static void Require(bool ok, string field, string message)
    {
        if (!ok)
        {
            throw new ArgumentException(message, field);
        }
    }
}
