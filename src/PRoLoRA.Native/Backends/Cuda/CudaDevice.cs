using PRoLoRA.Native.Cuda;
using PRoLoRA.Native.Cuda.Handles;
using PRoLoRA.Native.Cuda.Interop;
using CudaProbe = PRoLoRA.Native.Cuda.CudaRuntime;

namespace PRoLoRA.Native.Backends.Cuda;

/// <summary>
/// The real GPU behind <see cref="CudaBackend"/>: the device's primary context, one stream, a cuBLAS
/// handle bound to that stream, a staging buffer for uploads (<see cref="StagedUploads"/>), and the
/// kernel modules (compiled by NVRTC on first launch, loaded once for this context). Every call makes the context current on the calling thread first, and
/// every call after <see cref="Dispose"/> throws <see cref="ObjectDisposedException"/> (the driver
/// and cuBLAS would get destroyed handles): here, or for <see cref="Launch"/> in
/// <see cref="ContextHandle.MakeCurrent"/>, which refuses a released context.
/// </summary>
internal sealed unsafe class CudaDevice : IKernelDevice
{
    private readonly ContextHandle _context;
    private readonly StreamHandle _stream;
    private readonly CublasHandle _blas;
    private readonly StagedUploads _uploads;
    private readonly Dictionary<IntPtr, DeviceMemoryHandle> _memory = [];
    private readonly Lock _gate = new();
    private readonly Lazy<KernelModules> _modules;
    private volatile bool _disposed;

    /// <summary>Opens device <paramref name="ordinal"/>; throws <see cref="CudaException"/> with the probe's reason when there is no usable GPU.</summary>
    public CudaDevice(int ordinal, KernelCompiler? compiler = null)
    {
        var probe = CudaProbe.Probe();
        if (!probe.Available)
        {
            throw new CudaException($"no usable CUDA device: {probe.Reason}");
        }
        if (ordinal < 0 || ordinal >= probe.Devices.Count)
        {
            throw new CudaException($"cuda:{ordinal} does not exist; this machine has {probe.Devices.Count} CUDA device(s)");
        }
        Info = probe.Devices[ordinal];
        int device;
        CudaCheck.Driver(DriverApi.DeviceGet(&device, ordinal), "cuDeviceGet");
        _context = ContextHandle.Retain(device);
        try
        {
            _context.MakeCurrent();
            _stream = StreamHandle.Create(_context);
            _blas = CublasHandle.Create(_context, _stream);
            _uploads = new StagedUploads(_context);
        }
        catch
        {
            _blas?.Dispose();
            _stream?.Dispose();
            _context.Dispose();
            throw;
        }
        var kernelCompiler = compiler ?? new KernelCompiler();
        _modules = new Lazy<KernelModules>(() => new KernelModules(_context, kernelCompiler, Info.Arch));
    }

    /// <summary>What the driver says about this device.</summary>
    public CudaDeviceInfo Info { get; }

    /// <inheritdoc/>
    public string Name => $"cuda:{Info.Ordinal} ({Info.Name})";

    /// <summary>The kernel modules, compiled and loaded on first use.</summary>
    internal KernelModules Modules
    {
        get
        {
            ThrowIfDisposed();
            return _modules.Value;
        }
    }

    /// <summary>The context (for tests and timing).</summary>
    internal ContextHandle Context
    {
        get
        {
            ThrowIfDisposed();
            return _context;
        }
    }

    /// <summary>The stream all work is queued on.</summary>
    internal StreamHandle Stream
    {
        get
        {
            ThrowIfDisposed();
            return _stream;
        }
    }

    /// <summary>Free and total device memory (cuMemGetInfo).</summary>
    public (long Free, long Total) MemoryInfo()
    {
        MakeCurrent();
        nuint free, total;
        CudaCheck.Driver(DriverApi.MemGetInfo(&free, &total), "cuMemGetInfo");
        return ((long)free, (long)total);
    }

    /// <inheritdoc/>
    public IntPtr Allocate(long bytes)
    {
        MakeCurrent();
        var memory = DeviceMemoryHandle.Allocate(_context, bytes);
        lock (_gate)
        {
            _memory.Add(memory.Pointer, memory);
        }
        return memory.Pointer;
    }

    /// <inheritdoc/>
    public void Free(IntPtr pointer)
    {
        ThrowIfDisposed();
        DeviceMemoryHandle? memory;
        lock (_gate)
        {
            if (!_memory.Remove(pointer, out memory))
            {
                throw new ArgumentException($"0x{pointer:x} is not memory of {Name}", nameof(pointer));
            }
        }
        memory.Dispose();
    }

    /// <inheritdoc/>
    public void CopyHostToDevice(IntPtr destination, void* source, long bytes)
    {
        MakeCurrent();
        if (bytes == 0)
        {
            return;
        }
        if (bytes <= StagedUploads.Bytes)
        {
            _uploads.Copy(destination, source, bytes, _stream); // no wait for the stream: the source is copied aside first
            return;
        }
        // From the caller's own memory, which is pageable (a managed array, pinned only during the call)
        // or page-locked: the driver may read it after cuMemcpyHtoDAsync returns (page-locked memory by
        // DMA, pageable memory staged by a worker thread), and the caller may free or overwrite it as
        // soon as we return, so wait for the copy. The synchronous cuMemcpyHtoD would not do instead: it
        // runs on the legacy stream, which is not ordered with our non-blocking stream's work.
        CudaCheck.Driver(DriverApi.MemcpyHtoDAsync(destination, source, (nuint)bytes, _stream.DangerousGetHandle()), "cuMemcpyHtoDAsync");
        _stream.Synchronize();
    }

    /// <inheritdoc/>
    public void CopyDeviceToHost(void* destination, IntPtr source, long bytes)
    {
        MakeCurrent();
        if (bytes == 0)
        {
            return;
        }
        CudaCheck.Driver(DriverApi.MemcpyDtoHAsync(destination, source, (nuint)bytes, _stream.DangerousGetHandle()), "cuMemcpyDtoHAsync");
        _stream.Synchronize();
    }

    /// <inheritdoc/>
    public void CopyDeviceToDevice(IntPtr destination, IntPtr source, long bytes)
    {
        MakeCurrent();
        if (bytes == 0)
        {
            return;
        }
        CudaCheck.Driver(DriverApi.MemcpyDtoDAsync(destination, source, (nuint)bytes, _stream.DangerousGetHandle()), "cuMemcpyDtoDAsync");
    }

    /// <inheritdoc/>
    public void Launch(string kernel, Dim3 grid, Dim3 block, int sharedBytes, ReadOnlySpan<IntPtr> arguments)
    {
        _context.MakeCurrent();
        var function = Modules.Function(kernel);
        fixed (IntPtr* args = arguments)
        {
            CudaCheck.Driver(
                DriverApi.LaunchKernel(function, (uint)grid.X, (uint)grid.Y, (uint)grid.Z, (uint)block.X, (uint)block.Y, (uint)block.Z, (uint)sharedBytes,
                    _stream.DangerousGetHandle(), (void**)args, null),
                "cuLaunchKernel", $"kernel {kernel}, grid {grid}, block {block}, {sharedBytes} bytes of shared memory");
        }
    }

    /// <inheritdoc/>
    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, IntPtr a, int lda, IntPtr b, int ldb, float beta, IntPtr c, int ldc)
    {
        MakeCurrent();
        _blas.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /// <inheritdoc/>
    public void SgemmStridedBatched(bool transA, bool transB, int m, int n, int k, float alpha, IntPtr a, int lda, long strideA, IntPtr b, int ldb, long strideB,
        float beta, IntPtr c, int ldc, long strideC, int batch)
    {
        MakeCurrent();
        _blas.SgemmStridedBatched(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batch);
    }

    /// <inheritdoc/>
    public void Synchronize()
    {
        MakeCurrent();
        _stream.Synchronize();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        try
        {
            _context.MakeCurrent();
            _stream.Synchronize();
        }
        catch (CudaException e)
        {
            // A sticky error (a crashed kernel) must not stop the release of everything else; the
            // context it left unusable is reset once released, so later devices start clean.
            if (StickyErrors.Is(e.Status))
            {
                _context.ResetOnRelease();
            }
        }
        List<DeviceMemoryHandle> memory;
        lock (_gate)
        {
            memory = [.. _memory.Values];
            _memory.Clear();
        }
        memory.ForEach(m => m.Dispose());
        if (_modules.IsValueCreated)
        {
            _modules.Value.Dispose();
        }
        _blas.Dispose();
        _uploads.Dispose();
        _stream.Dispose();
        _context.Dispose();
    }

    /// <summary>Throws <see cref="ObjectDisposedException"/> once the device is disposed.</summary>
    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>Checks that the device is not disposed and makes its context current on this thread.</summary>
    private void MakeCurrent()
    {
        ThrowIfDisposed();
        _context.MakeCurrent();
    }
}
