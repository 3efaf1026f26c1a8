using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cuda;

/// <summary>
/// The CUDA backend: tensors in device memory, cuBLAS for every matrix product and the kernels of
/// cuda/ for the rest. It runs over an <see cref="IKernelDevice"/>: the real GPU
/// (<see cref="Open"/>), or in the tests the host shim that runs the same kernels on the CPU.
/// Each op is a small launcher (one file per concern): check the operands with its
/// <see cref="OpChecks"/> method (and nothing else), compute the grid, marshal the arguments.
/// Every op of a disposed backend throws <see cref="ObjectDisposedException"/> before it checks
/// anything else: its device memory, stream and cuBLAS handle are gone.
/// </summary>
public sealed partial class CudaBackend : IBackend
{
    /// <summary>Threads per block of every launch (cuda/README.md).</summary>
    internal const int BlockSize = 256;

    private readonly IKernelDevice _device;
    private readonly CachingAllocator _allocator;
    private bool _disposed;

    /// <summary>A backend over <paramref name="device"/>; with <paramref name="exactAllocations"/> every tensor gets its own allocation (see <see cref="CachingAllocator"/>).</summary>
    internal CudaBackend(IKernelDevice device, bool exactAllocations = false)
    {
        _device = device ?? throw new ArgumentNullException(nameof(device));
        _allocator = new CachingAllocator(device, exactAllocations);
    }

    /// <summary>Opens GPU <paramref name="ordinal"/>; throws <see cref="ProLoraException"/> (a <see cref="PRoLoRA.Native.Cuda.CudaException"/>) with the reason when it cannot be used.</summary>
    public static CudaBackend Open(int ordinal = 0) => new(new CudaDevice(ordinal));

    /// <inheritdoc/>
    public string Name => _device.Name;

    /// <inheritdoc/>
    public DeviceKind Kind => DeviceKind.Cuda;

    /// <summary>The device underneath (for tests and benchmarks).</summary>
    internal IKernelDevice Device => _device;

    /// <summary>The allocator (for tests and benchmarks).</summary>
    internal CachingAllocator Allocator => _allocator;

    /// <summary>Frees the device memory cached for reuse (tensors in use keep theirs).</summary>
    public void ReleaseCachedMemory()
    {
        ThrowIfDisposed();
        _allocator.Trim();
    }

    /// <inheritdoc/>
    public Tensor Empty(Shape shape)
    {
        ThrowIfDisposed();
        return new Tensor(this, new DeviceStorage(_allocator, shape.Count), shape);
    }

    /// <inheritdoc/>
    public Tensor Zeros(Shape shape)
    {
        ThrowIfDisposed();
        var t = Empty(shape);
        Fill(t, 0f);
        return t;
    }

    /// <inheritdoc/>
    public Tensor FromArray(ReadOnlySpan<float> data, Shape shape)
    {
        ThrowIfDisposed();
        OpChecks.FromArray(data.Length, shape);
        var t = Empty(shape);
        CopyFromHost(data, t);
        return t;
    }

    /// <inheritdoc/>
    public void Synchronize()
    {
        ThrowIfDisposed();
        _device.Synchronize();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _allocator.Dispose();
        _device.Dispose();
    }

    /// <summary>Throws <see cref="ObjectDisposedException"/> once the backend is disposed (first thing in every op).</summary>
    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>The device address of a (checked) tensor's element [0, ..., 0].</summary>
    private static IntPtr Ptr(Tensor t) => ((DeviceStorage)t.Storage).Pointer + (nint)(t.Offset * sizeof(float));

    /// <summary>An element count as the kernels' int, or a clear error for tensors too large for them.</summary>
    private static int Int(long count, string name) =>
        count <= int.MaxValue ? (int)count : throw new ArgumentException($"{name} has {count:N0} elements; the kernels index with int (at most {int.MaxValue:N0})", name);

    /// <summary>Launches <paramref name="kernel"/> with one thread per unit of work on a 1-D grid (nothing for none).</summary>
    private void Launch(string kernel, int threads, ReadOnlySpan<IntPtr> arguments)
    {
        if (threads <= 0)
        {
            return;
        }
        _device.Launch(kernel, new Dim3((int)(((long)threads + BlockSize - 1) / BlockSize)), new Dim3(BlockSize), 0, arguments);
    }

    /// <summary>Launches <paramref name="kernel"/> on <paramref name="grid"/> blocks of <paramref name="block"/> threads (nothing for an empty grid).</summary>
    private void Launch(string kernel, Dim3 grid, Dim3 block, int sharedBytes, ReadOnlySpan<IntPtr> arguments)
    {
        if (grid.Count <= 0)
        {
            return;
        }
        _device.Launch(kernel, grid, block, sharedBytes, arguments);
    }

    /// <summary>Temporary device memory, returned to the allocator on dispose.</summary>
    private Scratch Rent(long bytes) => new(_allocator, bytes);

    /// <summary>Copies host values (ids, targets, positions, a small table) to scratch device memory.</summary>
    private unsafe Scratch Upload<T>(ReadOnlySpan<T> values)
        where T : unmanaged
    {
        var scratch = Rent(values.Length * (long)sizeof(T));
        fixed (T* v = values)
        {
            _device.CopyHostToDevice(scratch.Pointer, v, values.Length * (long)sizeof(T));
        }
        return scratch;
    }

    private readonly struct Scratch(CachingAllocator allocator, long bytes) : IDisposable
    {
        private readonly (IntPtr Pointer, long Bytes) _block = allocator.Rent(bytes);

        public IntPtr Pointer => _block.Pointer;

        public void Dispose() => allocator.Return(_block.Pointer, _block.Bytes);
    }
}
