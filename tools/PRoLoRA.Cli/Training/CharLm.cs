using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Autograd;

namespace PRoLoRA.Cli.Training;

/// <summary>
/// The character MLP language model over <see cref="CharLmWeights"/>, in one of two modes:
/// pretraining (every base weight trainable, plain linears) or fine-tuning (the base frozen, and a
/// PRoLoRA adapter on every linear through <see cref="ProLoraLinear"/>; only the adapters train).
/// The weights stay owned by the caller; the model owns its adapters and the base's gradients.
/// </summary>
public sealed class CharLm : IDisposable
{
    private readonly Variable _embedding;
    private readonly Variable[] _weights;
    private readonly Variable[] _biases;
    private readonly (string Name, ProLoraLinear Layer)[] _adapted;

    private CharLm(CharLmWeights weights, bool trainBase, Func<ModuleShape, ProLoraConfig>? configure, int seed)
    {
        Weights = weights;
        TrainsBase = trainBase;
        Variable Wrap(PRoLoRA.Native.Tensors.Tensor t, string name) => trainBase ? Variable.Parameter(t, name) : Variable.Constant(t, name);
        _embedding = Wrap(weights.Embedding, "embedding");
        var linears = weights.Config.Linears;
        _weights = [.. linears.Select((m, i) => Wrap(weights.Weights[i], $"{m.Name}.weight"))];
        _biases = [.. linears.Select((m, i) => Wrap(weights.Biases[i], $"{m.Name}.bias"))];
        _adapted = configure is null ? [] : [.. linears.Select((m, i) => (m.Name, Adapt(m, i, configure, seed)))];
    }

    private ProLoraLinear Adapt(ModuleShape module, int index, Func<ModuleShape, ProLoraConfig> configure, int seed)
    {
        var config = configure(module) with { Seed = unchecked((seed * 1_000_003) + index) };
        if (config.InFeatures != module.InFeatures || config.OutFeatures != module.OutFeatures)
        {
            throw new ArgumentException($"the adapter for {module.Name} is configured {config.InFeatures}→{config.OutFeatures}, the linear is {module.InFeatures}→{module.OutFeatures}", nameof(configure));
        }
        var adapter = ProLoraAdapter.Create(config, Weights.Backend);
        return new ProLoraLinear(_weights[index], _biases[index], adapter, ownsBase: false);
    }

    /// <summary>The model with every base weight trainable and no adapters.</summary>
    public static CharLm ForPretraining(CharLmWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        return new CharLm(weights, trainBase: true, configure: null, seed: 0);
    }

    /// <summary>
    /// The model with the base frozen and an adapter on every linear, configured by
    /// <paramref name="configure"/> per linear; adapter initialisation is deterministic in <paramref name="seed"/>.
    /// </summary>
    public static CharLm WithAdapters(CharLmWeights weights, Func<ModuleShape, ProLoraConfig> configure, int seed)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(configure);
        return new CharLm(weights, trainBase: false, configure, seed);
    }

    /// <summary>The base weights.</summary>
    public CharLmWeights Weights { get; }

    /// <summary>The model's shape.</summary>
    public CharLmConfig Config => Weights.Config;

    /// <summary>True in pretraining mode: the base weights are the trainable parameters.</summary>
    public bool TrainsBase { get; }

    /// <summary>The adapted linears by module name, input layer first (empty in pretraining mode).</summary>
    public IReadOnlyList<(string Name, ProLoraLinear Layer)> AdaptedLinears => _adapted;

    /// <summary>The tensors the optimizer updates: the base in pretraining mode, the adapters otherwise.</summary>
    public IReadOnlyList<Variable> TrainableParameters
        => TrainsBase ? [_embedding, .. _weights, .. _biases] : [.. _adapted.SelectMany(a => a.Layer.Adapter.Parameters)];

    /// <summary>Number of trainable scalars.</summary>
    public long TrainableParameterCount => TrainableParameters.Sum(p => p.Shape.Count);

    /// <summary>
    /// Logits (batch × vocabulary) for <paramref name="contexts"/>, batch × context length ids
    /// (row-major, as <see cref="CharBatch.Contexts"/>), recorded on <paramref name="tape"/>.
    /// </summary>
    public Variable Forward(Tape tape, int[] contexts)
    {
        ArgumentNullException.ThrowIfNull(tape);
        ArgumentNullException.ThrowIfNull(contexts);
        int c = Config.ContextLength;
        if (contexts.Length == 0 || contexts.Length % c != 0)
        {
            throw new ArgumentException($"{contexts.Length} context ids are not a whole number of contexts of {c}", nameof(contexts));
        }
        var x = tape.Reshape(tape.Embedding(_embedding, contexts), contexts.Length / c, Config.InputSize);
        for (int i = 0; i < _weights.Length; i++)
        {
            x = Linear(tape, i, x);
            if (i < _weights.Length - 1)
            {
                x = tape.Relu(x);
            }
        }
        return x;
    }

    private Variable Linear(Tape tape, int i, Variable x)
        => TrainsBase
            ? tape.AddRowVector(tape.MatMul(x, _weights[i], transB: true), _biases[i])
            : _adapted[i].Layer.Forward(tape, x);

    /// <summary>Frees the adapters and any gradients of the base; the base weights stay with their owner.</summary>
    public void Dispose()
    {
        foreach (var (_, layer) in _adapted)
        {
            layer.Dispose();
        }
        foreach (var v in (Variable[])[_embedding, .. _weights, .. _biases])
        {
            v.Grad?.Dispose();
            v.Grad = null;
        }
    }
}
