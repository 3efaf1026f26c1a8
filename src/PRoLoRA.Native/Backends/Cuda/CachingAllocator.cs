namespace PRoLoRA.Native.Backends.Cuda;

/// <summary>
/// Device memory with free lists by (rounded) size, since a training step allocates the same
/// intermediates every time. Blocks go back to the free list on return and are reused by later
/// work; on the GPU all work runs on one stream, so a reused block is only touched after the work
/// queued before its return. When an allocation fails, the cached blocks are freed and it is retried.
/// With <c>exact</c>, nothing is rounded or cached: every block is allocated at its size and freed
/// on return, so a checking device (the host shim) sees each tensor's own bounds.
/// </summary>
internal sealed class CachingAllocator(IKernelDevice device, bool exact = false) : IDisposable
{
    private const long SmallLimit = 1 << 20;
    private const long SmallGranule = 512;
    private const long LargeGranule = 2 << 20;

    private readonly Dictionary<long, Stack<IntPtr>> _free = [];
    private readonly Lock _gate = new();
    private bool _disposed;

    /// <summary>Bytes handed out and not yet returned.</summary>
    public long LiveBytes { get; private set; }

    /// <summary>Bytes held in the free lists.</summary>
    public long CachedBytes { get; private set; }

    /// <summary>A block of at least <paramref name="bytes"/>; returns its address and its rounded size (pass both to <see cref="Return"/>).</summary>
    public (IntPtr Pointer, long Bytes) Rent(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        long size = exact ? bytes : Round(bytes);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            LiveBytes += size;
            if (_free.TryGetValue(size, out var stack) && stack.Count > 0)
            {
                CachedBytes -= size;
                return (stack.Pop(), size);
            }
        }
        try
        {
            return (Allocate(size), size);
        }
        catch
        {
            lock (_gate)
            {
                LiveBytes -= size;
            }
            throw;
        }
    }

    /// <summary>Puts a block back on its free list (a no-op once the allocator is disposed: the device freed everything).</summary>
    public void Return(IntPtr pointer, long bytes)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            LiveBytes -= bytes;
            if (exact)
            {
                device.Free(pointer);
                return;
            }
            CachedBytes += bytes;
            if (!_free.TryGetValue(bytes, out var stack))
            {
                _free[bytes] = stack = new Stack<IntPtr>();
            }
            stack.Push(pointer);
        }
    }

    /// <summary>Frees every cached block.</summary>
    public void Trim()
    {
        List<IntPtr> blocks;
        lock (_gate)
        {
            blocks = _free.Values.SelectMany(s => s).ToList();
            _free.Clear();
            CachedBytes = 0;
        }
        foreach (var block in blocks)
        {
            device.Free(block);
        }
    }

    /// <summary>Frees the cached blocks; blocks still rented are left to the device's own disposal.</summary>
    public void Dispose()
    {
        Trim();
        lock (_gate)
        {
            _disposed = true;
        }
    }

    /// <summary>Sizes are rounded so that free lists are shared: 512 B granules up to 1 MiB, then 2 MiB.</summary>
    internal static long Round(long bytes)
    {
        long granule = bytes <= SmallLimit ? SmallGranule : LargeGranule;
        return Math.Max(granule, (bytes + granule - 1) / granule * granule);
    }

    private IntPtr Allocate(long size)
    {
        try
        {
            return device.Allocate(size);
        }
        catch (PRoLoRA.Native.Cuda.CudaException) when (CachedBytes > 0)
        {
            Trim();
            return device.Allocate(size);
        }
    }
}
