using PRoLoRA.Native.Cuda.Interop;

namespace PRoLoRA.Native.Cuda.Handles;

/// <summary>A block of device memory from cuMemAlloc; released with cuMemFree.</summary>
internal sealed unsafe class DeviceMemoryHandle : ContextBoundHandle
{
    private DeviceMemoryHandle(ContextHandle context, long bytes) : base(context) => Bytes = bytes;

    /// <summary>Size of the block.</summary>
    public long Bytes { get; }

    /// <summary>The device address.</summary>
    public IntPtr Pointer => handle;

    /// <summary>Allocates <paramref name="bytes"/> (at least one) in the current context.</summary>
    public static DeviceMemoryHandle Allocate(ContextHandle context, long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        var memory = new DeviceMemoryHandle(context, Math.Max(bytes, 1));
        IntPtr value;
        int status = DriverApi.MemAlloc(&value, (nuint)memory.Bytes);
        if (status != 0)
        {
            memory.Abandon();
            CudaCheck.Driver(status, "cuMemAlloc", $"requested {bytes:N0} bytes");
        }
        memory.Set(value);
        return memory;
    }

    /// <inheritdoc/>
    protected override bool Release(IntPtr value) => DriverApi.MemFree(value) == 0;
}
