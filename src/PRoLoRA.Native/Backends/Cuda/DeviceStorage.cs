using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cuda;

/// <summary>
/// Tensor storage in device memory, rented from a <see cref="CachingAllocator"/>; disposing (or
/// finalising) it returns the block to the allocator's free list.
/// </summary>
internal sealed class DeviceStorage : TensorStorage
{
    private readonly CachingAllocator _allocator;
    private readonly long _bytes;
    private IntPtr _pointer;

    public DeviceStorage(CachingAllocator allocator, long length)
    {
        _allocator = allocator;
        Length = length;
        (_pointer, _bytes) = allocator.Rent(length * sizeof(float));
    }

    ~DeviceStorage() => Release();

    /// <inheritdoc/>
    public override long Length { get; }

    /// <summary>The device address of element 0.</summary>
    public IntPtr Pointer => _pointer != IntPtr.Zero ? _pointer : throw new ObjectDisposedException(nameof(DeviceStorage), "the tensor's device memory was released");

    /// <inheritdoc/>
    public override void Dispose()
    {
        Release();
        base.Dispose();
    }

    private void Release()
    {
        var pointer = Interlocked.Exchange(ref _pointer, IntPtr.Zero);
        if (pointer != IntPtr.Zero)
        {
            _allocator.Return(pointer, _bytes);
        }
    }
}
