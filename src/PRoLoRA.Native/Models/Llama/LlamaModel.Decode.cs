using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Serving;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Models.Llama;

public sealed partial class LlamaModel
{
    /// <summary>
    /// One decode step of many sequences in one pass: sequence b's token <paramref name="tokens"/>[b] continues
    /// <paramref name="caches"/>[b] (its own length) with <paramref name="bank"/>'s adapter in slot
    /// <paramref name="slots"/>[b] (−1: the base alone). The linears, norms and RoPE run on all rows at once
    /// (rows grouped per adapter); attention runs per sequence over its own cache. Returns the logits
    /// (batch × vocabulary). Inference only: the tape must not record. Hold a lease on each slot meanwhile.
    /// </summary>
    public Variable DecodeStep(Tape tape, int[] tokens, IReadOnlyList<LlamaCache> caches, AdapterBank bank, int[] slots)
    {
        ArgumentNullException.ThrowIfNull(tape);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(caches);
        ArgumentNullException.ThrowIfNull(bank);
        ArgumentNullException.ThrowIfNull(slots);
        if (tape.IsRecording)
        {
            throw new InvalidOperationException("a decode step is inference only: run it under tape.NoGrad()");
        }
        if (tokens.Length == 0 || caches.Count != tokens.Length || slots.Length != tokens.Length)
        {
            throw new ArgumentException($"tokens ({tokens.Length}), caches ({caches.Count}) and slots ({slots.Length}) must be as many, at least one", nameof(tokens));
        }
        if (caches.Any(c => c.Length + 1 > c.Capacity))
        {
            throw new ArgumentException("a cache is full", nameof(caches));
        }
        if (!ReferenceEquals(bank.Model, this) || _adapted.Count > 0)
        {
            throw new InvalidOperationException("a decode step needs this model's bank and no adapters attached with AddAdapters");
        }
        var rows = bank.Plan(slots, 1);
        var positions = caches.Select(c => c.Length).ToArray();
        var h = tape.Embedding(_embedding, tokens);
        for (int layer = 0; layer < Config.Layers; layer++)
        {
            h = DecodeLayer(tape, layer, h, positions, caches, rows);
        }
        foreach (var cache in caches)
        {
            cache.Advance(1);
        }
        return tape.MatMul(tape.RmsNorm(h, _finalNorm, Config.RmsNormEps), _head, transB: true);
    }

    private Variable DecodeLayer(Tape tape, int layer, Variable h, int[] positions, IReadOnlyList<LlamaCache> caches, RowAdapters rows)
    {
        var c = Config;
        var x = tape.RmsNorm(h, _inputNorms[layer], c.RmsNormEps);
        var q = tape.Rope(Linear(tape, LlamaModules.Path(layer, "q_proj"), x, rows), positions, c.HeadDim, c.RopeTheta, c.RopeScale);
        var k = tape.Rope(Linear(tape, LlamaModules.Path(layer, "k_proj"), x, rows), positions, c.HeadDim, c.RopeTheta, c.RopeScale);
        var v = Linear(tape, LlamaModules.Path(layer, "v_proj"), x, rows);
        using var attended = Backend.Empty(new Shape(positions.Length, c.Heads * c.HeadDim));
        for (int b = 0; b < positions.Length; b++)
        {
            var (keys, values) = caches[b].Append(layer, Variable.Constant(Row(k.Value, b)), Variable.Constant(Row(v.Value, b)));
            var shape = new AttentionShape(1, 1, positions[b] + 1, c.Heads, c.KvHeads, c.HeadDim, positions[b], null);
            var o = tape.Attention(Variable.Constant(Row(q.Value, b)), keys, values, shape);
            Backend.Copy(o.Value, Row(attended, b));
        }
        h = tape.Add(h, Linear(tape, LlamaModules.Path(layer, "o_proj"), Variable.Constant(attended), rows));
        x = tape.RmsNorm(h, _postNorms[layer], c.RmsNormEps);
        var gate = Linear(tape, LlamaModules.Path(layer, "gate_proj"), x, rows);
        var up = Linear(tape, LlamaModules.Path(layer, "up_proj"), x, rows);
        return tape.Add(h, Linear(tape, LlamaModules.Path(layer, "down_proj"), tape.Mul(tape.Silu(gate), up), rows));
    }

    /// <summary>Row <paramref name="row"/> of the contiguous matrix <paramref name="t"/>, as a 1 × cols view.</summary>
    private static Tensor Row(Tensor t, int row) =>
        new(t.Backend, t.Storage, new Shape(1, t.Cols), offset: t.Offset + ((long)row * t.Cols), ownsStorage: false);
}
