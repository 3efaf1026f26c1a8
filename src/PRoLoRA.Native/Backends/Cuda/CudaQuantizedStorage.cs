using PRoLoRA.Native.Quantization;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cuda;

/// <summary>
/// A quantised frozen weight in device memory, as it is stored on the host (<see cref="QuantizedMatrix"/>):
/// the bfloat16 bits, or NF4's packed codes with their absmax storage (float32, or the double-quantised
/// codes, nested absmax and map) and the 16 NF4 code values the kernels read. Each buffer is rented from
/// the <see cref="CachingAllocator"/>; disposing (or finalising) returns them, as <see cref="DeviceStorage"/>.
/// </summary>
internal sealed class CudaQuantizedStorage : QuantizedStorage
{
    private readonly CachingAllocator _allocator;
    private readonly List<(IntPtr Pointer, long Bytes)> _blocks = [];
    private readonly IntPtr _data;
    private int _released;

    /// <summary>Uploads <paramref name="matrix"/> through <paramref name="device"/>.</summary>
    public CudaQuantizedStorage(CachingAllocator allocator, IKernelDevice device, QuantizedMatrix matrix)
        : base(matrix.Rows, matrix.Cols, matrix.DType)
    {
        _allocator = allocator;
        try
        {
            if (matrix.BFloat16Bits is { } bits)
            {
                _data = Upload<ushort>(device, bits);
                return;
            }
            var nf4 = matrix.Nf4!;
            _data = Upload<byte>(device, nf4.Packed);
            BlockSize = nf4.BlockSize;
            CodeValues = Upload(device, Nf4.CodeValues);
            if (nf4.Absmax is { } absmax)
            {
                Absmax = Upload<float>(device, absmax);
                return;
            }
            var dq = nf4.QuantizedAbsmax!;
            AbsmaxCodes = Upload<byte>(device, dq.Codes);
            NestedAbsmax = Upload<float>(device, dq.NestedAbsmax);
            AbsmaxMap = Upload<float>(device, dq.Map);
            AbsmaxOffset = dq.Offset;
            NestedBlockSize = dq.BlockSize;
        }
        catch
        {
            Release();
            throw;
        }
    }

    ~CudaQuantizedStorage() => Release();

    /// <summary>The bfloat16 bits (BFloat16) or the packed 4-bit codes (Nf4); throws once the storage is released.</summary>
    public IntPtr Data => _released == 0 ? _data : throw new ObjectDisposedException(nameof(CudaQuantizedStorage), "the tensor's device memory was released");

    /// <summary>NF4: values per absmax block.</summary>
    public int BlockSize { get; }

    /// <summary>NF4: the 16 code values (float32).</summary>
    public IntPtr CodeValues { get; }

    /// <summary>NF4 with float32 absmax: one a block; otherwise zero.</summary>
    public IntPtr Absmax { get; }

    /// <summary>Double-quantised NF4: the 8-bit code of each block's absmax; otherwise zero.</summary>
    public IntPtr AbsmaxCodes { get; }

    /// <summary>Double-quantised NF4: the absmax of each nested block of codes (float32).</summary>
    public IntPtr NestedAbsmax { get; }

    /// <summary>Double-quantised NF4: the 256-entry code map (float32).</summary>
    public IntPtr AbsmaxMap { get; }

    /// <summary>Double-quantised NF4: the mean added back to every absmax.</summary>
    public float AbsmaxOffset { get; }

    /// <summary>Double-quantised NF4: absmax codes per nested block.</summary>
    public int NestedBlockSize { get; }

    /// <summary>Whether the absmax values are double-quantised.</summary>
    public bool DoubleQuantized => AbsmaxCodes != IntPtr.Zero;

    /// <inheritdoc/>
    public override void Dispose()
    {
        Release();
        base.Dispose();
    }

    private unsafe IntPtr Upload<T>(IKernelDevice device, ReadOnlySpan<T> values)
        where T : unmanaged
    {
        long bytes = values.Length * (long)sizeof(T);
        var block = _allocator.Rent(bytes);
        _blocks.Add(block);
        if (bytes > 0)
        {
            fixed (T* v = values)
            {
                device.CopyHostToDevice(block.Pointer, v, bytes);
            }
        }
        return block.Pointer;
    }

    private void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }
        foreach (var (pointer, bytes) in _blocks)
        {
            _allocator.Return(pointer, bytes);
        }
    }
}
