using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Models.Llama;

/// <summary>
/// The keys and values of the tokens seen so far, per layer (batch 1), so that generating a token
/// costs one token's forward pass: a forward with the cache attends to every cached position and
/// adds its own. Used without gradients (inference).
/// </summary>
public sealed class LlamaCache : IDisposable
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;
    private readonly int _width;

    /// <summary>A cache of up to <paramref name="capacity"/> tokens for <paramref name="config"/>'s model on <paramref name="backend"/>.</summary>
    public LlamaCache(LlamaConfig config, IBackend backend, int capacity)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
        _width = config.KvHeads * config.HeadDim;
        _keys = [.. Enumerable.Range(0, config.Layers).Select(_ => backend.Empty(new Shape(capacity, _width)))];
        _values = [.. Enumerable.Range(0, config.Layers).Select(_ => backend.Empty(new Shape(capacity, _width)))];
    }

    /// <summary>Tokens cached.</summary>
    public int Length { get; private set; }

    /// <summary>Tokens the cache can hold.</summary>
    public int Capacity { get; }

    /// <summary>Stores the new tokens' keys and values of <paramref name="layer"/> after the cached ones; returns all of them.</summary>
    internal (Variable Keys, Variable Values) Append(int layer, Variable k, Variable v)
    {
        int rows = k.Shape[0];
        return (Variable.Constant(Write(_keys[layer], k.Value, rows)), Variable.Constant(Write(_values[layer], v.Value, rows)));
    }

    /// <summary>Counts the tokens of the forward pass that just appended.</summary>
    internal void Advance(int tokens) => Length += tokens;

    private Tensor Write(Tensor store, Tensor rows, int count)
    {
        var target = new Tensor(store.Backend, store.Storage, new Shape(count, _width), offset: (long)Length * _width, ownsStorage: false);
        store.Backend.Copy(rows, target);
        return new Tensor(store.Backend, store.Storage, new Shape(Length + count, _width), ownsStorage: false);
    }

    /// <summary>Frees the cache.</summary>
    public void Dispose()
    {
        foreach (var t in _keys.Concat(_values))
        {
            t.Dispose();
        }
    }
}
