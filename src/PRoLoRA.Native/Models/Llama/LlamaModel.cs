using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Quantization;
using PRoLoRA.Native.Serving;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Models.Llama;

/// <summary>
/// A LLaMA-architecture decoder (Hugging Face <c>LlamaForCausalLM</c>) on a backend: embeddings, N
/// layers of RMSNorm → attention (RoPE, grouped-query, causal) → residual, RMSNorm → SiLU-gated MLP →
/// residual, a final RMSNorm and the output head (or the tied embeddings). The weights are frozen
/// copies of the checkpoint's, float32 or, for the linears, bfloat16 or NF4 (<see cref="BaseDType"/>); adapters (PRoLoRA, or LoRA as PRoLoRA with every rank
/// unshared) sit on any of the seven linears of any layer and are what trains.
/// </summary>
public sealed partial class LlamaModel : IDisposable
{
    private readonly List<Tensor> _owned = [];
    private readonly Variable _embedding;
    private readonly Variable[] _inputNorms;
    private readonly Variable[] _postNorms;
    private readonly Variable _finalNorm;
    private readonly Variable _head;
    private readonly Dictionary<string, (Variable Weight, Variable? Bias)> _linears = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ProLoraLinear> _adapted = new(StringComparer.Ordinal);

    private LlamaModel(LlamaConfig config, IBackend backend, Func<string, Shape, Variable> weight)
    {
        Config = config;
        Backend = backend;
        int h = config.HiddenSize;
        _embedding = weight("model.embed_tokens.weight", new Shape(config.VocabularySize, h));
        _inputNorms = new Variable[config.Layers];
        _postNorms = new Variable[config.Layers];
        for (int layer = 0; layer < config.Layers; layer++)
        {
            _inputNorms[layer] = weight($"model.layers.{layer}.input_layernorm.weight", new Shape(h));
            _postNorms[layer] = weight($"model.layers.{layer}.post_attention_layernorm.weight", new Shape(h));
            foreach (var leaf in LlamaModules.Leaves)
            {
                var path = LlamaModules.Path(layer, leaf);
                var (inFeatures, outFeatures) = LlamaModules.Size(config, leaf);
                bool bias = leaf is "gate_proj" or "up_proj" or "down_proj" ? config.MlpBias : config.AttentionBias;
                _linears[path] = (weight($"{path}.weight", new Shape(outFeatures, inFeatures)), bias ? weight($"{path}.bias", new Shape(outFeatures)) : null);
            }
        }
        _finalNorm = weight("model.norm.weight", new Shape(h));
        _head = config.TieWordEmbeddings ? _embedding : weight("lm_head.weight", new Shape(config.VocabularySize, h));
    }

    /// <summary>The model's shape.</summary>
    public LlamaConfig Config { get; }

    /// <summary>The backend the weights live on.</summary>
    public IBackend Backend { get; }

    /// <summary>The adapters on the model, module path → adapter.</summary>
    public IReadOnlyDictionary<string, ProLoraAdapter> Adapters => _adapted.ToDictionary(kv => kv.Key, kv => kv.Value.Adapter, StringComparer.Ordinal);

    /// <summary>Every trainable tensor: the base's when it trains (<see cref="CreateRandom"/>), then the adapters'.</summary>
    public IReadOnlyList<Variable> TrainableParameters => [.. BaseParameters, .. _adapted.OrderBy(kv => kv.Key, StringComparer.Ordinal).SelectMany(kv => kv.Value.Adapter.Parameters)];

    /// <summary>
    /// Recorded forward passes of the adapters so far (<see cref="ProLoraLinear.DropoutStep"/>, the
    /// same on every adapted linear): a resumed run sets it back so its dropout masks are the ones an
    /// uninterrupted run draws. Setting it sets every adapted linear's.
    /// </summary>
    public ulong DropoutStep
    {
        get => _adapted.Values.Select(l => l.DropoutStep).DefaultIfEmpty(0UL).Max();
        set
        {
            foreach (var linear in _adapted.Values)
            {
                linear.DropoutStep = value;
            }
        }
    }

    /// <summary>
    /// Loads the checkpoint folder <paramref name="folder"/> (config.json and model.safetensors or a
    /// sharded index) onto <paramref name="backend"/>, with the linears as stored (<see cref="BaseDType.AsStored"/>:
    /// bitsandbytes NF4 linears stay NF4, everything else float32).
    /// </summary>
    public static LlamaModel Load(string folder, IBackend backend) => Load(folder, backend, BaseDType.AsStored);

    /// <summary>
    /// Loads the checkpoint folder <paramref name="folder"/> (config.json and model.safetensors or a
    /// sharded index) onto <paramref name="backend"/>, the seven linears of every layer kept as
    /// <paramref name="baseDType"/> says (quantised while loading, one tensor at a time, so the peak is
    /// about one float32 tensor over the model) and the rest float32. Every expected tensor must be there
    /// with its shape; any other tensor (but rotary_emb.inv_freq, lm_head.weight beside tied embeddings,
    /// and the quantisation entries of bitsandbytes NF4 weights) is an error naming it.
    /// </summary>
    public static LlamaModel Load(string folder, IBackend backend, BaseDType baseDType)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var config = LlamaConfig.Load(folder);
        using var checkpoint = LlamaCheckpoint.Open(folder);
        var used = new HashSet<string>(StringComparer.Ordinal);
        var owned = new List<Tensor>();
        try
        {
            Variable Weight(string name, Shape shape)
            {
                used.Add(name);
                var t = LlamaCheckpointQuantizer.IsQuantizedLinear(name) ? Linear(checkpoint, name, shape, baseDType, backend) : backend.FromArray(checkpoint.Read(name, shape), shape);
                owned.Add(t);
                return Variable.Constant(t, name);
            }
            var model = new LlamaModel(config, backend, Weight);
            model._owned.AddRange(owned);
            var extra = checkpoint.Names.FirstOrDefault(n => !used.Contains(n) && !checkpoint.IsQuantizationEntry(n) && !n.EndsWith("rotary_emb.inv_freq", StringComparison.Ordinal) && !(config.TieWordEmbeddings && n == "lm_head.weight"));
            if (extra is not null)
            {
                model.Dispose();
                throw new InvalidDataException($"{folder}: the checkpoint holds '{IO.Input.Printable.Text(extra)}', which config.json's LLaMA does not have");
            }
            return model;
        }
        catch
        {
            owned.ForEach(t => t.Dispose());
            throw;
        }
    }

    // A layer's linear weight stored as baseDType asks: NF4 as stored is kept (its absmax values re-packed
    // only when the double quantisation asked differs), anything else read as float32 and quantised.
    private static Tensor Linear(LlamaCheckpoint checkpoint, string name, Shape shape, BaseDType baseDType, IBackend backend)
    {
        bool storedNf4 = checkpoint.IsNf4(name);
        var target = baseDType.Linears ?? (storedNf4 ? TensorDType.Nf4 : TensorDType.Float32);
        if (target == TensorDType.Float32)
        {
            return backend.FromArray(checkpoint.Read(name, shape), shape);
        }
        if (target == TensorDType.Nf4 && storedNf4)
        {
            var nf4 = checkpoint.ReadNf4(name, shape);
            if (baseDType.Linears is not null && baseDType.DoubleQuantize != (nf4.QuantizedAbsmax is not null))
            {
                nf4 = baseDType.DoubleQuantize
                    ? new Nf4Tensor(nf4.Length, nf4.BlockSize, nf4.Packed, Nf4DoubleQuant.Compress(nf4.Absmax))
                    : new Nf4Tensor(nf4.Length, nf4.BlockSize, nf4.Packed, nf4.BlockAbsmax());
            }
            return backend.FromQuantized(QuantizedMatrix.FromNf4(nf4, shape[0], shape[1]));
        }
        return backend.FromQuantized(QuantizedMatrix.Quantize(checkpoint.Read(name, shape), shape[0], shape[1], target, baseDType.DoubleQuantize));
    }

    /// <summary>
    /// A model of <paramref name="config"/> whose weights <paramref name="weight"/> makes (name and shape as in a
    /// checkpoint; the model owns the tensors): random models for the benchmarks and tests, no file needed.
    /// </summary>
    internal static LlamaModel Create(LlamaConfig config, IBackend backend, Func<string, Shape, Tensor> weight)
    {
        var owned = new List<Tensor>();
        try
        {
            var model = new LlamaModel(config, backend, (name, shape) =>
            {
                var t = weight(name, shape);
                owned.Add(t);
                t.CheckShape(shape, name);
                return Variable.Constant(t, name);
            });
            model._owned.AddRange(owned);
            return model;
        }
        catch
        {
            owned.ForEach(t => t.Dispose());
            throw;
        }
    }

    /// <summary>
    /// New adapters for the modules of <paramref name="modules"/> (see <see cref="LlamaModules.Targets"/>), each
    /// configured by <paramref name="configure"/> with its own sizes, initialised deterministically from <paramref name="seed"/>.
    /// </summary>
    public static Dictionary<string, ProLoraAdapter> NewAdapters(IReadOnlyList<ModuleShape> modules, Func<ModuleShape, ProLoraConfig> configure, int seed, IBackend backend)
    {
        ArgumentNullException.ThrowIfNull(modules);
        ArgumentNullException.ThrowIfNull(configure);
        var adapters = new Dictionary<string, ProLoraAdapter>(StringComparer.Ordinal);
        for (int i = 0; i < modules.Count; i++)
        {
            var m = modules[i];
            var config = configure(m) with { InFeatures = m.InFeatures, OutFeatures = m.OutFeatures, Seed = unchecked((seed * 1_000_003) + i) };
            adapters[m.Name] = ProLoraAdapter.Create(config.Validate(), backend);
        }
        return adapters;
    }

    /// <summary>Puts <paramref name="adapters"/> (module path → adapter; the model owns them from now on) on their linears.</summary>
    public void AddAdapters(IReadOnlyDictionary<string, ProLoraAdapter> adapters)
    {
        ArgumentNullException.ThrowIfNull(adapters);
        foreach (var (path, adapter) in adapters)
        {
            if (!_linears.TryGetValue(path, out var linear))
            {
                throw new ArgumentException($"the model has no linear '{path}' (modules are model.layers.{{i}}.self_attn.q_proj and the like)", nameof(adapters));
            }
            if (_adapted.ContainsKey(path))
            {
                throw new ArgumentException($"'{path}' already has an adapter", nameof(adapters));
            }
            _adapted[path] = new ProLoraLinear(linear.Weight, linear.Bias, adapter, ownsBase: false);
        }
    }

    /// <summary>Removes and frees every adapter.</summary>
    public void RemoveAdapters()
    {
        foreach (var linear in _adapted.Values)
        {
            linear.Dispose();
        }
        _adapted.Clear();
    }

    /// <summary>
    /// Logits ((batch·length) × vocabulary, token-major) of <paramref name="ids"/> (batch × length,
    /// row-major), recorded on <paramref name="tape"/>. With a <paramref name="cache"/> (batch 1),
    /// the tokens continue the cached ones and their keys and values join the cache.
    /// <paramref name="keyMask"/> (batch × length, 0 = padding) hides padded keys.
    /// </summary>
    public Variable Forward(Tape tape, int[] ids, int batch, int length, LlamaCache? cache = null, int[]? keyMask = null) =>
        Forward(tape, ids, batch, length, cache, keyMask, rows: null);

    /// <summary>
    /// As <see cref="Forward(Tape, int[], int, int, LlamaCache?, int[])"/>, but sequence (batch row) b runs with
    /// <paramref name="bank"/>'s adapter in slot <paramref name="rowSlots"/>[b] (−1: the base alone): rows sharing an
    /// adapter are grouped and each group's delta is added to the base product for its rows. Inference only (no
    /// gradients); adapters attached with <see cref="AddAdapters"/> must be removed first. Hold a lease
    /// (<see cref="AdapterBank.Acquire"/>) on each slot while the forward runs, so that no unload frees it meanwhile.
    /// </summary>
    public Variable Forward(Tape tape, int[] ids, int batch, int length, AdapterBank bank, int[] rowSlots, LlamaCache? cache = null, int[]? keyMask = null)
    {
        ArgumentNullException.ThrowIfNull(bank);
        ArgumentNullException.ThrowIfNull(rowSlots);
        if (!ReferenceEquals(bank.Model, this))
        {
            throw new ArgumentException("the adapter bank belongs to another model", nameof(bank));
        }
        if (_adapted.Count > 0)
        {
            throw new InvalidOperationException("the model has adapters attached with AddAdapters: remove them before a forward with a bank");
        }
        if (rowSlots.Length != batch)
        {
            throw new ArgumentException($"rowSlots has {rowSlots.Length} entries, expected one per sequence ({batch})", nameof(rowSlots));
        }
        return Forward(tape, ids, batch, length, cache, keyMask, bank.Plan(rowSlots, length));
    }

    private Variable Forward(Tape tape, int[] ids, int batch, int length, LlamaCache? cache, int[]? keyMask, RowAdapters? rows)
    {
        ArgumentNullException.ThrowIfNull(tape);
        ArgumentNullException.ThrowIfNull(ids);
        if (batch <= 0 || length <= 0 || ids.Length != batch * length)
        {
            throw new ArgumentException($"ids has {ids.Length} entries, expected batch {batch} × length {length}", nameof(ids));
        }
        if (cache is not null && (batch != 1 || cache.Length + length > cache.Capacity))
        {
            throw new ArgumentException($"a cache takes batch 1 and at most {cache.Capacity - cache.Length} more tokens, got batch {batch} × {length}", nameof(cache));
        }
        var c = Config;
        int offset = cache?.Length ?? 0;
        var positions = new int[batch * length];
        for (int i = 0; i < positions.Length; i++)
        {
            positions[i] = offset + (i % length);
        }
        var h = tape.Embedding(_embedding, ids);
        for (int layer = 0; layer < c.Layers; layer++)
        {
            h = Layer(tape, layer, h, positions, batch, length, cache, keyMask, rows);
        }
        cache?.Advance(length);
        return tape.MatMul(tape.RmsNorm(h, _finalNorm, c.RmsNormEps), _head, transB: true);
    }

    /// <summary>
    /// Decoder layer <paramref name="layer"/> on the residual stream <paramref name="h"/> ((batch·length) × hidden):
    /// h + attention(norm(h)), then that + mlp(norm(that)). Internal so that the benchmarks can time one layer
    /// with an input that takes a gradient.
    /// </summary>
    internal Variable Layer(Tape tape, int layer, Variable h, int[] positions, int batch, int length, LlamaCache? cache = null, int[]? keyMask = null, RowAdapters? rows = null)
    {
        var c = Config;
        int offset = cache?.Length ?? 0;
        var x = tape.RmsNorm(h, _inputNorms[layer], c.RmsNormEps);
        var q = tape.Rope(Linear(tape, LlamaModules.Path(layer, "q_proj"), x, rows), positions, c.HeadDim, c.RopeTheta, c.RopeScale);
        var k = tape.Rope(Linear(tape, LlamaModules.Path(layer, "k_proj"), x, rows), positions, c.HeadDim, c.RopeTheta, c.RopeScale);
        var v = Linear(tape, LlamaModules.Path(layer, "v_proj"), x, rows);
        int keys = length;
        if (cache is not null)
        {
            (k, v) = cache.Append(layer, k, v);
            keys = offset + length;
        }
        var shape = new AttentionShape(batch, length, keys, c.Heads, c.KvHeads, c.HeadDim, offset, keyMask);
        h = tape.Add(h, Linear(tape, LlamaModules.Path(layer, "o_proj"), tape.Attention(q, k, v, shape), rows));
        x = tape.RmsNorm(h, _postNorms[layer], c.RmsNormEps);
        var gate = Linear(tape, LlamaModules.Path(layer, "gate_proj"), x, rows);
        var up = Linear(tape, LlamaModules.Path(layer, "up_proj"), x, rows);
        return tape.Add(h, Linear(tape, LlamaModules.Path(layer, "down_proj"), tape.Mul(tape.Silu(gate), up), rows));
    }

    private Variable Linear(Tape tape, string path, Variable x, RowAdapters? rows)
    {
        if (_adapted.TryGetValue(path, out var adapted))
        {
            return adapted.Forward(tape, x);
        }
        var (weight, bias) = _linears[path];
        var y = tape.MatMul(x, weight, transB: true);
        y = bias is null ? y : tape.AddRowVector(y, bias);
        return rows is null ? y : rows.Apply(path, x, y);
    }

    /// <summary>The frozen weight and bias of the linear <paramref name="path"/>, or false when the model has none.</summary>
    internal bool TryGetBaseLinear(string path, out (Variable Weight, Variable? Bias) linear) => _linears.TryGetValue(path, out linear);

    /// <summary>Frees the weights and the adapters.</summary>
    public void Dispose()
    {
        RemoveAdapters();
        ReleaseBaseGradients();
        foreach (var t in _owned)
        {
            t.Dispose();
        }
        _owned.Clear();
    }
}
