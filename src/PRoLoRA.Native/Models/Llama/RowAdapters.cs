using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Serving;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Models.Llama;

/// <summary>
/// The adapters of one bank forward: groups of token rows that share an adapter (module path → linear),
/// each group's delta added to the base product for its rows only: a gather-multiply per row for a few
/// rows (as Punica's BGMV), two GEMMs over the gathered rows for many (as its SGMV). Inference only: the
/// base product is updated in place.
/// </summary>
internal sealed class RowAdapters(IReadOnlyList<(IReadOnlyDictionary<string, BankedLinear> Linears, int[] Rows)> groups)
{
    /// <summary>y (the base product of x for the linear <paramref name="path"/>) plus every group's delta on its rows.</summary>
    public Variable Apply(string path, Variable x, Variable y)
    {
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
                linear.AddDelta(input, y.Value, rows);
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
