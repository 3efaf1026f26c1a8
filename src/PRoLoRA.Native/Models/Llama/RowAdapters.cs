using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Serving;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Models.Llama;

/// <summary>
/// The adapters of one bank forward: groups of token rows that share an adapter (module path → linear),
/// each group's delta added to the base product for its rows only (as Punica's SGMV/BGMV: gather the
/// group's rows, two products, scatter-add). Inference only: the base product is updated in place.
/// </summary>
internal sealed class RowAdapters(IReadOnlyList<(IReadOnlyDictionary<string, BankedLinear> Linears, int[] Rows)> groups, int totalRows)
{
    /// <summary>y (the base product of x for the linear <paramref name="path"/>) plus every group's delta on its rows.</summary>
    public Variable Apply(string path, Variable x, Variable y)
    {
        var backend = x.Value.Backend;
        Tensor? contiguous = null;
        try
        {
            foreach (var (linears, rows) in groups)
            {
                if (!linears.TryGetValue(path, out var linear))
                {
                    continue;
                }
                var input = x.Value.IsContiguous ? x.Value : contiguous ??= Copy(x.Value);
                if (rows.Length == totalRows)
                {
                    linear.AddDelta(input, y.Value, beta: 1f);
                    continue;
                }
                using var xg = backend.Empty(new Shape(rows.Length, input.Shape[1]));
                backend.Embedding(input, rows, xg);
                using var delta = backend.Empty(new Shape(rows.Length, y.Shape[1]));
                linear.AddDelta(xg, delta, beta: 0f);
                backend.EmbeddingBackward(delta, rows, y.Value);
            }
        }
        finally
        {
            contiguous?.Dispose();
        }
        return y;
    }

    private static Tensor Copy(Tensor x)
    {
        var copy = x.Backend.Empty(x.Shape);
        x.Backend.Copy(x, copy);
        return copy;
    }
}
