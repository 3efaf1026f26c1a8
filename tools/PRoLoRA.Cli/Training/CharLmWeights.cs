using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Cli.Training;

/// <summary>
/// The base weights of a <see cref="CharLm"/>: the embedding table (V×E) and, for each linear of
/// <see cref="CharLmConfig.Linears"/>, a weight (out×in) and a bias (out). Owns the tensors.
/// </summary>
public sealed class CharLmWeights : IDisposable
{
    /// <summary>Wraps existing tensors, checked against <paramref name="config"/>; takes ownership.</summary>
    public CharLmWeights(CharLmConfig config, Tensor embedding, IReadOnlyList<Tensor> weights, IReadOnlyList<Tensor> biases)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(embedding);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(biases);
        Config = config.Validate();
        var linears = config.Linears;
        if (weights.Count != linears.Count || biases.Count != linears.Count)
        {
            throw new ArgumentException($"the model has {linears.Count} linears but {weights.Count} weights and {biases.Count} biases were given");
        }
        embedding.CheckShape(new Shape(config.VocabularySize, config.EmbeddingSize), "embedding");
        for (int i = 0; i < linears.Count; i++)
        {
            weights[i].CheckShape(new Shape(linears[i].OutFeatures, linears[i].InFeatures), $"{linears[i].Name}.weight");
            biases[i].CheckShape(new Shape(linears[i].OutFeatures), $"{linears[i].Name}.bias");
        }
        Embedding = embedding;
        Weights = [.. weights];
        Biases = [.. biases];
    }

    /// <summary>The model's shape.</summary>
    public CharLmConfig Config { get; }

    /// <summary>Character embeddings, V×E.</summary>
    public Tensor Embedding { get; }

    /// <summary>Each linear's weight, out×in, input layer first.</summary>
    public IReadOnlyList<Tensor> Weights { get; }

    /// <summary>Each linear's bias.</summary>
    public IReadOnlyList<Tensor> Biases { get; }

    /// <summary>The backend the tensors live on.</summary>
    public IBackend Backend => Embedding.Backend;

    /// <summary>Every tensor with its file name: embedding, then {linear}.weight and {linear}.bias.</summary>
    public IEnumerable<(string Name, Tensor Tensor)> Named()
    {
        yield return ("embedding", Embedding);
        var linears = Config.Linears;
        for (int i = 0; i < linears.Count; i++)
        {
            yield return ($"{linears[i].Name}.weight", Weights[i]);
            yield return ($"{linears[i].Name}.bias", Biases[i]);
        }
    }

    /// <summary>
    /// Freshly initialised weights, deterministic in <paramref name="seed"/>: embeddings uniform in ±1,
    /// weights and biases uniform in ±1/√in (torch's nn.Linear default).
    /// </summary>
    public static CharLmWeights Create(CharLmConfig config, IBackend backend, int seed)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(backend);
        config.Validate();
        var rng = new Random(seed);
        var embedding = backend.FromArray(RandomValues.Uniform(rng, config.VocabularySize * config.EmbeddingSize, 1f), new Shape(config.VocabularySize, config.EmbeddingSize));
        var weights = new List<Tensor>();
        var biases = new List<Tensor>();
        foreach (var m in config.Linears)
        {
            float bound = 1f / MathF.Sqrt(m.InFeatures);
            weights.Add(backend.FromArray(RandomValues.Uniform(rng, m.OutFeatures * m.InFeatures, bound), new Shape(m.OutFeatures, m.InFeatures)));
            biases.Add(backend.FromArray(RandomValues.Uniform(rng, m.OutFeatures, bound), new Shape(m.OutFeatures)));
        }
        return new CharLmWeights(config, embedding, weights, biases);
    }

    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        foreach (var (_, t) in Named())
        {
            t.Dispose();
        }
    }
}
