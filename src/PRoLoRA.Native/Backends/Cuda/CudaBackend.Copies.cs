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
        if (src.DType != TensorDType.Float32)
        {
            DequantizeToHost(src, dst);
            return;
        }
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
        if (src.DType != TensorDType.Float32)
        {
            DequantizeInto(src, to);
            return;
        }
        if (src.IsContiguous)
        {
            _device.CopyDeviceToDevice(to, Ptr(src), src.Count * sizeof(float));
            return;
        }
        Copy2d(src, to);
    }

    /// <summary>copy_2d: a strided 2-D view into contiguous row-major memory at <paramref name="destination"/>, in 32×32 tiles.</summary>
    private void Copy2d(Tensor src, IntPtr destination)
    {
        Int(src.Count, nameof(src));
        Copy2d(Ptr(src), src.Strides[0], src.Strides[1], src.Shape[0], src.Shape[1], destination, src.Shape[1]);
    }

    /// <summary>copy_2d of the rows×cols view with strides (s0, s1) at <paramref name="from"/> into row-major memory of row stride <paramref name="destinationLd"/>.</summary>
    private unsafe void Copy2d(IntPtr from, int s0, int s1, int rows, int cols, IntPtr destination, int destinationLd)
    {
        IntPtr to = destination;
        int ld = destinationLd;
        Launch("copy_2d", new Dim3((cols + 31) / 32, (rows + 31) / 32), new Dim3(32, 8), 0,
            [(IntPtr)(&from), (IntPtr)(&s0), (IntPtr)(&s1), (IntPtr)(&to), (IntPtr)(&ld), (IntPtr)(&rows), (IntPtr)(&cols)]);
    }
}
