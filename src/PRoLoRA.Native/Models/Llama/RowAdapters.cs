using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Serving;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Models.Llama;

/// <summary>
/// The adapters of one bank forward: groups of token rows that share an adapter (module path → linear),
/// each group's delta added to the base product for its rows only: a gather-multiply per row for the groups
/// of a few rows, all of them in one call (as Punica's BGMV), two GEMMs over the gathered rows for a group of
/// many (as its SGMV). Inference only: the base product is updated in place.
/// </summary>
internal sealed class RowAdapters(IReadOnlyList<(IReadOnlyDictionary<string, BankedLinear> Linears, int[] Rows)> groups)
{
    /// <summary>y (the base product of x for the linear <paramref name="path"/>) plus every group's delta on its rows.</summary>
    public Variable Apply(string path, Variable x, Variable y)
    {
        Tensor? contiguous = null;
        try
        {
            var input = x.Value.IsContiguous ? x.Value : contiguous = Copy(x.Value);
            var gatherRows = new List<int>();
            var rowAdapter = new List<int>();
            var operands = new List<CompactOperands>();
            foreach (var (linears, rows) in groups)
            {
                if (!linears.TryGetValue(path, out var linear))
                {
                    continue;
                }
                if (rows.Length > BankedLinear.RowsPerGather)
                {
                    linear.AddDeltaByGemm(input, y.Value, rows);
                    continue;
                }
                gatherRows.AddRange(rows);
                rowAdapter.AddRange(Enumerable.Repeat(operands.Count, rows.Length));
                operands.Add(linear.RowOperands);
            }
            if (operands.Count > 0)
            {
                // Every small group of this linear in one call: one launch on a GPU, whatever the number of adapters.
                input.Backend.CompactRowsDeltaMany(input, [.. gatherRows], [.. rowAdapter], operands, y.Value);
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
