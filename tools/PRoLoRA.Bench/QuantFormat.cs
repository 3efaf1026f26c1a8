using PRoLoRA.Native.Quantization;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Bench;

/// <summary>How the quant group stores a frozen linear: float32, bfloat16, NF4, or NF4 with its absmax values double-quantised.</summary>
/// <param name="Name">The short name printed and passed to the child process: f32, bf16, nf4, nf4+dq.</param>
/// <param name="DType">The tensor's dtype.</param>
/// <param name="DoubleQuantize">NF4's absmax values double-quantised.</param>
internal sealed record QuantFormat(string Name, TensorDType DType, bool DoubleQuantize)
{
    public static readonly QuantFormat F32 = new("f32", TensorDType.Float32, false);
    public static readonly QuantFormat Bf16 = new("bf16", TensorDType.BFloat16, false);
    public static readonly QuantFormat Nf4 = new("nf4", TensorDType.Nf4, false);
    public static readonly QuantFormat Nf4Dq = new("nf4+dq", TensorDType.Nf4, true);

    /// <summary>The quantised formats, in the order they are printed.</summary>
    public static readonly IReadOnlyList<QuantFormat> Quantized = [Bf16, Nf4, Nf4Dq];

    /// <summary>The format called <paramref name="name"/>.</summary>
    public static QuantFormat Parse(string name) => Quantized.Prepend(F32).FirstOrDefault(f => f.Name == name)
        ?? throw new ArgumentException($"unknown format '{name}'", nameof(name));

    /// <summary><paramref name="values"/> (rows × cols, row-major) quantised to this format (not float32).</summary>
    public QuantizedMatrix Quantize(ReadOnlySpan<float> values, int rows, int cols) => QuantizedMatrix.Quantize(values, rows, cols, DType, DoubleQuantize);
}
