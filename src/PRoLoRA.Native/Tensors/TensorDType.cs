namespace PRoLoRA.Native.Tensors;

/// <summary>How a tensor's elements are stored.</summary>
public enum TensorDType
{
    /// <summary>float32: every op takes it.</summary>
    Float32,

    /// <summary>bfloat16, a frozen weight (<see cref="Quantization.QuantizedMatrix"/>): read by GEMM as b and by the copies, which widen it exactly.</summary>
    BFloat16,

    /// <summary>bitsandbytes NF4, a frozen weight (<see cref="Quantization.QuantizedMatrix"/>): read by GEMM as b and by the copies, which dequantise it.</summary>
    Nf4,
}
