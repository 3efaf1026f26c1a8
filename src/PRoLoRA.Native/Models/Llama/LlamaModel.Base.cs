using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Models.Llama;

/// <summary>A model whose base weights train: made from scratch, its weights listed in checkpoint order.</summary>
public sealed partial class LlamaModel
{
    /// <summary>The standard deviation of the initial linear and embedding weights (Hugging Face's initializer_range).</summary>
    public const float InitializerRange = 0.02f;

    /// <summary>
    /// The base weights that train: every weight of a model made by <see cref="CreateRandom"/>
    /// (a tied head once, as the embeddings), none of a loaded one. Checkpoint order.
    /// </summary>
    public IReadOnlyList<Variable> BaseParameters => [.. Weights().Where(w => w.RequiresGrad)];

    /// <summary>
    /// A new model of shape <paramref name="config"/> on <paramref name="backend"/>, every weight a
    /// trainable parameter (<see cref="BaseParameters"/>), initialised as Hugging Face's
    /// LlamaForCausalLM does: embeddings and linear weights normal with mean 0 and standard deviation
    /// <see cref="InitializerRange"/>, biases 0, RMSNorm weights 1. Deterministic in
    /// <paramref name="seed"/>: the values are drawn on the host in checkpoint order.
    /// </summary>
    public static LlamaModel CreateRandom(LlamaConfig config, IBackend backend, int seed)
    {
        LlamaConfigChecks.Require(config, nameof(config));
        ArgumentNullException.ThrowIfNull(backend);
        var rng = new Random(seed);
        var owned = new List<Tensor>();
        try
        {
            Variable Weight(string name, Shape shape)
            {
                int count = checked((int)shape.Count);
                float[] values = name.EndsWith("norm.weight", StringComparison.Ordinal) ? [.. Enumerable.Repeat(1f, count)]
                    : name.EndsWith(".bias", StringComparison.Ordinal) ? new float[count]
                    : RandomValues.Normal(rng, count, InitializerRange);
                var t = backend.FromArray(values, shape);
                owned.Add(t);
                return Variable.Parameter(t, name);
            }
            var model = new LlamaModel(config, backend, Weight);
            model._owned.AddRange(owned);
            return model;
        }
        catch
        {
            owned.ForEach(t => t.Dispose());
            throw;
        }
    }

    /// <summary>Every base weight under its Hugging Face name, in checkpoint order (a tied head not repeated).</summary>
    internal IEnumerable<Variable> Weights()
    {
        yield return _embedding;
        for (int layer = 0; layer < Config.Layers; layer++)
        {
            yield return _inputNorms[layer];
            yield return _postNorms[layer];
            foreach (var leaf in LlamaModules.Leaves)
            {
                var (weight, bias) = _linears[LlamaModules.Path(layer, leaf)];
                yield return weight;
                if (bias is not null)
                {
                    yield return bias;
                }
            }
        }
        yield return _finalNorm;
        if (!Config.TieWordEmbeddings)
        {
            yield return _head;
        }
    }

    /// <summary>Frees the gradients the base parameters gathered (their values are in the owned tensors).</summary>
    private void ReleaseBaseGradients()
    {
        foreach (var p in BaseParameters)
        {
            p.Grad?.Dispose();
            p.Grad = null;
        }
    }
}
