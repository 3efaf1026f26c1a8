using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Models.Llama;

/// <summary>
/// The adapters of one bank forward: groups of token rows that share an adapter (module path → linear),
/// each group's delta added to the base product for its rows only. Inference only.
/// </summary>
internal sealed class RowAdapters(IReadOnlyList<(IReadOnlyDictionary<string, ProLoraLinear> Linears, int[] Rows)> groups, int totalRows)
{
    /// <summary>y (the base product of x for the linear <paramref name="path"/>) plus every group's delta on its rows.</summary>
    public Variable Apply(Tape tape, string path, Variable x, Variable y)
    {
        foreach (var (linears, rows) in groups)
        {
            if (!linears.TryGetValue(path, out var linear))
            {
                continue;
            }
            if (rows.Length == totalRows)
            {
                // One adapter for every row: the very ops of ProLoraLinear.Forward, so outputs match it exactly.
                y = linear.AddAdapter(tape, x, y);
                continue;
            }
            AddGroupDelta(linear, x.Value, y.Value, rows);
        }
        return y;
    }

    /// <summary>y[rows] += s · (x[rows] Aᵀ) Bᵀ: gathers the group's rows, two GEMMs, scatter-adds the delta.</summary>
    private static void AddGroupDelta(ProLoraLinear linear, Tensor x, Tensor y, int[] rows)
    {
        var backend = x.Backend;
        var c = linear.Config;
        using var xg = backend.Empty(new Shape(rows.Length, c.InFeatures));
        backend.Embedding(x, rows, xg);
        using var a = linear.Adapter.MaterializeA();
        using var b = linear.Adapter.MaterializeB();
        using var h = backend.Empty(new Shape(rows.Length, c.Rank));
        backend.Gemm(xg, a.T, h);
        using var delta = backend.Empty(new Shape(rows.Length, c.OutFeatures));
        backend.Gemm(h, b.T, delta, c.Scaling);
        backend.EmbeddingBackward(delta, rows, y);
    }
}
