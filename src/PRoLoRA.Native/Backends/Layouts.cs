using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends;

/// <summary>How a 2-D view is stored: row-major (unit stride along a row) or column-major (a transposed row-major tensor).</summary>
internal static class Layouts
{
    /// <summary>Rows are contiguous runs and do not overlap.</summary>
    public static bool IsRowMajor(Tensor t) => t.Strides[1] == 1 && t.Strides[0] >= Math.Max(t.Shape[1], 1);

    /// <summary>Columns are contiguous runs and do not overlap.</summary>
    public static bool IsColumnMajor(Tensor t) => t.Strides[0] == 1 && t.Strides[1] >= Math.Max(t.Shape[0], 1);

    /// <summary>
    /// Whether a checked matrix view is stored transposed (column-major), and its leading dimension
    /// (the stride between its rows, or between its columns when transposed; at least 1 and the run length).
    /// </summary>
    public static (bool Transposed, int Ld) Of(Tensor t) => IsRowMajor(t)
        ? (false, t.Strides[0])
        : (true, Math.Max(t.Strides[1], Math.Max(t.Shape[0], 1)));
}
