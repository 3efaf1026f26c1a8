using PRoLoRA.Native.Cuda.Interop;

namespace PRoLoRA.Native.Cuda.Handles;

/// <summary>Page-locked host memory from cuMemHostAlloc, which the copy engines read after the call that queued the copy returns; released with cuMemFreeHost.</summary>
internal sealed unsafe class PinnedHostMemoryHandle : ContextBoundHandle
{
    private PinnedHostMemoryHandle(ContextHandle context, long bytes) : base(context) => Bytes = bytes;

    /// <summary>Size of the block.</summary>
    public long Bytes { get; }

    /// <summary>The host address.</summary>
    public void* Pointer => (void*)handle;

    /// <summary>Allocates <paramref name="bytes"/> (at least one) of page-locked memory for the current context.</summary>
    public static PinnedHostMemoryHandle Allocate(ContextHandle context, long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        var memory = new PinnedHostMemoryHandle(context, Math.Max(bytes, 1));
        void* value;
        int status = DriverApi.MemHostAlloc(&value, (nuint)memory.Bytes, 0);
        if (status != 0)
        {
            memory.Abandon();
            CudaCheck.Driver(status, "cuMemHostAlloc", $"requested {bytes:N0} bytes");
        }
        memory.Set((IntPtr)value);
        return memory;
    }

    /// <inheritdoc/>
    protected override bool Release(IntPtr value) => DriverApi.MemFreeHost((void*)value) == 0;
}
