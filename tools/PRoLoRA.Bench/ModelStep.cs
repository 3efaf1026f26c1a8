using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Bench;

/// <summary>
/// Our side of a <see cref="ModelWorkload"/>: the model with its adapters (B random, not the zero init, so
/// every product does real work) and the inputs, and <see cref="Run"/>, one step as training takes it:
/// zero the gradients, record the forward, run the backward, free the tape.
/// </summary>
internal sealed class ModelStep : IDisposable
{
    private readonly BenchContext _ctx;
    private readonly ModelWorkload _workload;
    private readonly LlamaModel _model;
    private readonly IReadOnlyList<Variable> _trainable;
    private readonly int[] _ids;
    private readonly int[] _targets;
    private readonly int[] _positions;
    private readonly Variable? _x;
    private readonly Tensor? _dy;

    /// <summary>
    /// Builds the workload on the context's backend: the checkpoint in <paramref name="folder"/> for a training
    /// step, random weights in memory for a layer.
    /// </summary>
    public ModelStep(BenchContext ctx, ModelWorkload workload, string? folder)
        : this(ctx, workload, workload.LayerOnly || folder is null ? RandomLlama.Model(workload.Config, ctx.Backend, seed: 7) : LlamaModel.Load(folder, ctx.Backend))
    {
    }

    /// <summary>Builds the workload on <paramref name="model"/> (which this step owns and disposes), adding its adapters.</summary>
    public ModelStep(BenchContext ctx, ModelWorkload workload, LlamaModel model)
    {
        _ctx = ctx;
        _workload = workload;
        var c = workload.Config;
        _model = model;
        var adapters = LlamaModel.NewAdapters(LlamaModules.Targets(c), ModelWorkload.Adapter, seed: 1, ctx.Backend);
        int seed = 30;
        foreach (var adapter in adapters.Values)
        {
            RandomB(ctx, adapter, seed++);
        }
        _model.AddAdapters(adapters);
        _trainable = _model.TrainableParameters;
        var rng = new Random(5);
        _ids = [.. Enumerable.Range(0, workload.Tokens).Select(_ => rng.Next(c.VocabularySize))];
        // Next-token targets; a sequence's last token has none (-1, ignored by the loss).
        _targets = [.. Enumerable.Range(0, workload.Tokens).Select(i => (i % workload.Length) == workload.Length - 1 ? -1 : _ids[i + 1])];
        _positions = [.. Enumerable.Range(0, workload.Tokens).Select(i => i % workload.Length)];
        if (workload.LayerOnly)
        {
            _x = Variable.Input(ctx.Random(new Shape(workload.Tokens, c.HiddenSize), 8), "x");
            _dy = ctx.Random(new Shape(workload.Tokens, c.HiddenSize), 9);
        }
    }

    /// <summary>One step: gradients zeroed, forward and backward recorded and run, the tape freed.</summary>
    public void Run()
    {
        foreach (var p in _trainable)
        {
            p.ZeroGrad();
        }
        using var tape = new Tape(_ctx.Backend);
        if (_x is not null && _dy is not null)
        {
            _x.ZeroGrad();
            var y = _model.Layer(tape, 0, _x, _positions, _workload.Batch, _workload.Length);
            tape.Backward(y, _dy);
            return;
        }
        var logits = _model.Forward(tape, _ids, _workload.Batch, _workload.Length);
        tape.Backward(tape.SoftmaxCrossEntropy(logits, _targets));
    }

    /// <summary>The model (with its adapters).</summary>
    public LlamaModel Model => _model;

    /// <summary>Frees the model, the adapters and the inputs.</summary>
    public void Dispose()
    {
        _model.Dispose();
        _x?.Release();
        _dy?.Dispose();
    }

    private static void RandomB(BenchContext ctx, ProLoraAdapter adapter, int seed)
    {
        using var chunkB = ctx.Random(adapter.ChunkB.Shape, seed, 0.01f);
        using var vecB = ctx.Random(adapter.VecB.Shape, seed + 1000, 0.01f);
        ctx.Backend.Copy(chunkB, adapter.ChunkB.Value);
        ctx.Backend.Copy(vecB, adapter.VecB.Value);
    }
}
