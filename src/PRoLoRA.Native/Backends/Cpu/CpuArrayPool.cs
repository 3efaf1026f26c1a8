namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>
/// The CPU twin of the CUDA caching allocator: arrays of disposed tensors wait here, by exact length,
/// for the next tensor of that size. A training step allocates the same intermediates every time, and
/// fresh large arrays are expensive: every page of new memory is a page fault that the kernel zeroes
/// (measured: about half the time of a PRoLoRA adapter step at N = 2048 went to them). Pooled bytes
/// are capped; past the cap a returned array is left to the garbage collector.
/// </summary>
internal sealed class CpuArrayPool(long capBytes)
{
    private readonly Dictionary<int, Stack<float[]>> _free = [];
    private readonly Lock _gate = new();
    private long _pooledBytes;

    /// <summary>The default cap: a quarter of the memory the GC may use, at most 4 GiB.</summary>
    public static long DefaultCap => Math.Min(4L << 30, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4);

    /// <summary>Bytes waiting in the pool.</summary>
    public long PooledBytes
    {
        get
        {
            lock (_gate)
            {
                return _pooledBytes;
            }
        }
    }

    /// <summary>An array of exactly <paramref name="length"/> elements with unspecified contents.</summary>
    public float[] Rent(int length)
    {
        lock (_gate)
        {
            if (_free.TryGetValue(length, out var stack) && stack.TryPop(out var array))
            {
                _pooledBytes -= (long)length * sizeof(float);
                return array;
            }
        }
        return GC.AllocateUninitializedArray<float>(length);
    }

    /// <summary>Takes back an array that no tensor uses any more.</summary>
    public void Return(float[] array)
    {
        long bytes = (long)array.Length * sizeof(float);
        lock (_gate)
        {
            if (array.Length == 0 || _pooledBytes + bytes > capBytes)
            {
                return;
            }
            if (!_free.TryGetValue(array.Length, out var stack))
            {
                _free[array.Length] = stack = new Stack<float[]>();
            }
            stack.Push(array);
            _pooledBytes += bytes;
        }
    }

    /// <summary>Drops every pooled array (the garbage collector frees them).</summary>
    public void Trim()
    {
        lock (_gate)
        {
            _free.Clear();
            _pooledBytes = 0;
        }
    }
}
