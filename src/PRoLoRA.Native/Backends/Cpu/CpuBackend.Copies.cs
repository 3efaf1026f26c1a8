using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>Host copies and copies of views (the twin of CudaBackend.Copies.cs and copy_2d).</summary>
public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public void CopyToHost(Tensor src, Span<float> dst)
    {
        OpChecks.CopyToHost(this, src, dst.Length);
        if (src.DType != TensorDType.Float32)
        {
            DequantizeToHost(src, dst);
            return;
        }
        if (src.IsContiguous)
        {
            Elements(src).CopyTo(dst);
            return;
        }
        var data = Data(src);
        int rows = src.Shape[0], cols = src.Shape[1];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                dst[(i * cols) + j] = data[src.Offset + ((long)i * src.Strides[0]) + ((long)j * src.Strides[1])];
            }
        }
    }

    /// <inheritdoc/>
    public void CopyFromHost(ReadOnlySpan<float> src, Tensor dst)
    {
        OpChecks.CopyFromHost(this, src.Length, dst);
        src.CopyTo(Elements(dst));
    }

    /// <inheritdoc/>
    public void Copy(Tensor src, Tensor dst)
    {
        OpChecks.Copy(this, src, dst);
        CopyToHost(src, Elements(dst));
    }
}
