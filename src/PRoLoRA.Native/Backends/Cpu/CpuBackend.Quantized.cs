using PRoLoRA.Native.Quantization;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>Quantised frozen weights (bfloat16, NF4) kept as they are stored, and widened by the copies.</summary>
public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public Tensor FromQuantized(QuantizedMatrix matrix)
    {
        OpChecks.FromQuantized(matrix);
        return new Tensor(this, new CpuQuantizedStorage(matrix), new Shape(matrix.Rows, matrix.Cols));
    }

    /// <summary>The quantised matrix behind a (checked) quantised tensor of this backend.</summary>
    internal static QuantizedMatrix Quantized(Tensor t) => ((CpuQuantizedStorage)t.Storage).Matrix;

    /// <summary>Whether a checked quantised tensor (whole or transposed) is the transposed view.</summary>
    internal static bool IsTransposedView(Tensor t) => !(t.Shape[0] == Quantized(t).Rows && t.Strides[1] == 1);

    // A checked quantised src (whole or transposed) widened into row-major dst.
    private static void DequantizeToHost(Tensor src, Span<float> dst)
    {
        var matrix = Quantized(src);
        if (!IsTransposedView(src))
        {
            matrix.Dequantize(dst);
            return;
        }
        var values = matrix.Dequantize();
        for (int i = 0; i < matrix.Cols; i++)
        {
            for (int j = 0; j < matrix.Rows; j++)
            {
                dst[(i * matrix.Rows) + j] = values[((long)j * matrix.Cols) + i];
            }
        }
    }
}
