using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cuda;

/// <summary>
/// Launchers of rms_norm.cu: a block per row for the normalisation and for dx; dWeight's column sums
/// in blocks of 32 columns (as sum_rows).
/// </summary>
public sealed partial class CudaBackend
{
    /// <inheritdoc/>
    public unsafe void RmsNorm(Tensor x, Tensor weight, float eps, Tensor output, Tensor rstd)
    {
        ThrowIfDisposed();
        var (rows, cols) = OpChecks.RmsNorm(this, x, weight, eps, output, rstd);
        Int(x.Count, nameof(x));
        IntPtr px = Ptr(x), pw = Ptr(weight), po = Ptr(output), pr = Ptr(rstd);
        Launch("rms_norm", new Dim3(rows), new Dim3(BlockSize), 0, [(IntPtr)(&px), (IntPtr)(&pw), (IntPtr)(&po), (IntPtr)(&pr), (IntPtr)(&cols), (IntPtr)(&eps)]);
    }

    /// <inheritdoc/>
    public unsafe void RmsNormBackward(Tensor x, Tensor weight, Tensor rstd, Tensor dy, Tensor dx, Tensor dWeight, float beta)
    {
        ThrowIfDisposed();
        var (rows, cols) = OpChecks.RmsNormBackward(this, x, weight, rstd, dy, dx, dWeight);
        Int(x.Count, nameof(x));
        IntPtr px = Ptr(x), pw = Ptr(weight), pr = Ptr(rstd), pdy = Ptr(dy), pdx = Ptr(dx), pdw = Ptr(dWeight);
        Launch("rms_norm_backward", new Dim3(rows), new Dim3(BlockSize), 0,
            [(IntPtr)(&px), (IntPtr)(&pw), (IntPtr)(&pr), (IntPtr)(&pdy), (IntPtr)(&pdx), (IntPtr)(&cols), (IntPtr)(&beta)]);
        Launch("rms_norm_backward_weight", new Dim3((cols + 31) / 32), new Dim3(32, 8), 0,
            [(IntPtr)(&px), (IntPtr)(&pr), (IntPtr)(&pdy), (IntPtr)(&pdw), (IntPtr)(&rows), (IntPtr)(&cols)]);
    }
}
