using PRoLoRA.Native.Quantization;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>A quantised frozen weight in host memory: the <see cref="QuantizedMatrix"/> itself (managed arrays).</summary>
internal sealed class CpuQuantizedStorage(QuantizedMatrix matrix) : QuantizedStorage(matrix.Rows, matrix.Cols, matrix.DType)
{
    /// <summary>The stored matrix.</summary>
    public QuantizedMatrix Matrix { get; } = matrix;
}
