using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cuda;

/// <summary>Host↔device copies and device copies; strided views go through the copy_2d kernel.</summary>
public sealed partial class CudaBackend
{
    /// <inheritdoc/>
    public unsafe void CopyToHost(Tensor src, Span<float> dst)
    {
        ThrowIfDisposed();
        OpChecks.CopyToHost(this, src, dst.Length);
        long bytes = src.Count * sizeof(float);
        if (src.IsContiguous)
        {
            var from = Ptr(src);
            fixed (float* to = dst)
            {
                _device.CopyDeviceToHost(to, from, bytes);
            }
            return;
        }
        using var packed = Rent(bytes);
        Copy2d(src, packed.Pointer);
        fixed (float* to = dst)
        {
            _device.CopyDeviceToHost(to, packed.Pointer, bytes);
        }
    }

    /// <inheritdoc/>
    public unsafe void CopyFromHost(ReadOnlySpan<float> src, Tensor dst)
    {
        ThrowIfDisposed();
        OpChecks.CopyFromHost(this, src.Length, dst);
        var to = Ptr(dst);
        fixed (float* from = src)
        {
            _device.CopyHostToDevice(to, from, src.Length * (long)sizeof(float));
        }
    }

    /// <inheritdoc/>
    public void Copy(Tensor src, Tensor dst)
    {
        ThrowIfDisposed();
        OpChecks.Copy(this, src, dst);
        var to = Ptr(dst);
        if (src.IsContiguous)
        {
            _device.CopyDeviceToDevice(to, Ptr(src), src.Count * sizeof(float));
            return;
        }
        Copy2d(src, to);
    }

    /// <summary>copy_2d: a strided 2-D view into contiguous row-major memory at <paramref name="destination"/>, in 32×32 tiles.</summary>
    private unsafe void Copy2d(Tensor src, IntPtr destination)
    {
        Int(src.Count, nameof(src));
        IntPtr from = Ptr(src), to = destination;
        int s0 = src.Strides[0], s1 = src.Strides[1], rows = src.Shape[0], cols = src.Shape[1];
        Launch("copy_2d", new Dim3((cols + 31) / 32, (rows + 31) / 32), new Dim3(32, 8), 0,
            [(IntPtr)(&from), (IntPtr)(&s0), (IntPtr)(&s1), (IntPtr)(&to), (IntPtr)(&rows), (IntPtr)(&cols)]);
    }
}
