using PRoLoRA.Native.Backends.Cuda;
using PRoLoRA.Native.Cuda;
using PRoLoRA.Native.Quantization;

namespace PRoLoRA.Native.Tests.Cuda;

/// <summary>The free-list allocator over a counting fake device.</summary>
public sealed class CachingAllocatorTests
{
    [Test]
    public void ReturnedBlocks_AreReused()
    {
        using var device = new CountingDevice();
        using var allocator = new CachingAllocator(device);
        var (p, bytes) = allocator.Rent(1000);
        allocator.Return(p, bytes);
        var (q, _) = allocator.Rent(900);
        Assert.That(q, Is.EqualTo(p), "900 and 1000 bytes round to the same 1024-byte block");
        Assert.That(device.Allocations, Is.EqualTo(1));
        Assert.That(allocator.LiveBytes, Is.EqualTo(1024));
    }

    [TestCase(0, 512)]
    [TestCase(1, 512)]
    [TestCase(513, 1024)]
    [TestCase(1 << 20, 1 << 20)]
    [TestCase((1 << 20) + 1, 2 << 20)]
    [TestCase((5 << 20) + 3, 6 << 20)]
    public void Sizes_AreRounded(long bytes, long rounded) => Assert.That(CachingAllocator.Round(bytes), Is.EqualTo(rounded));

    [Test]
    public void Trim_FreesTheCache()
    {
        using var device = new CountingDevice();
        using var allocator = new CachingAllocator(device);
        var blocks = Enumerable.Range(0, 5).Select(_ => allocator.Rent(4096)).ToList();
        blocks.ForEach(b => allocator.Return(b.Pointer, b.Bytes));
        Assert.That(allocator.CachedBytes, Is.EqualTo(5 * 4096));
        allocator.Trim();
        Assert.That(device.Live, Is.Zero);
        Assert.That(allocator.CachedBytes, Is.Zero);
    }

    [Test]
    public void OutOfMemory_FreesTheCacheAndRetries()
    {
        using var device = new CountingDevice { Capacity = 4 << 20 };
        using var allocator = new CachingAllocator(device);
        var (p, bytes) = allocator.Rent(2 << 20);
        allocator.Return(p, bytes);
        var (q, _) = allocator.Rent(3 << 20);
        Assert.That(q, Is.Not.EqualTo(IntPtr.Zero));
        Assert.That(device.Live, Is.EqualTo(1), "the cached 2 MiB block was freed to make room for 4 MiB");
        Assert.That(() => allocator.Rent(1), Throws.InstanceOf<CudaException>());
        Assert.That(allocator.LiveBytes, Is.EqualTo(4 << 20), "a failed rent does not count");
    }

    [Test]
    public void DeviceTensors_ReturnTheirMemory()
    {
        using var device = new CountingDevice();
        using var backend = new CudaBackend(device);
        for (int i = 0; i < 100; i++)
        {
            using var t = backend.Empty(new Tensors.Shape(64, 64));
        }
        Assert.That(device.Allocations, Is.EqualTo(1));
        Assert.That(backend.Allocator.LiveBytes, Is.Zero);
        var view = backend.Empty(new Tensors.Shape(3, 2));
        view.Dispose();
        Assert.That(() => ((DeviceStorage)view.Storage).Pointer, Throws.InstanceOf<ObjectDisposedException>());
    }

    [Test]
    public void AQuantizedUploadThatFails_ReturnsWhatItRented()
    {
        using var device = new CountingDevice();
        using var backend = new CudaBackend(device, exactAllocations: true);
        var matrix = QuantizedMatrix.Quantize(new float[128], 2, 64, Tensors.TensorDType.Nf4);
        Assert.That(() => backend.FromQuantized(matrix), Throws.InstanceOf<NotSupportedException>(), "the fake device cannot copy");
        Assert.That(backend.Allocator.LiveBytes, Is.Zero);
        Assert.That(device.Live, Is.Zero);
    }

    /// <summary>An IKernelDevice that only hands out fake addresses and counts them.</summary>
    private sealed unsafe class CountingDevice : IKernelDevice
    {
        private readonly Dictionary<IntPtr, long> _live = [];
        private long _next = 0x1000;

        public long Capacity { get; init; } = long.MaxValue;

        public int Allocations { get; private set; }

        public int Live => _live.Count;

        public string Name => "counting fake";

        public IntPtr Allocate(long bytes)
        {
            if (_live.Values.Sum() + bytes > Capacity)
            {
                throw new CudaException("cuMemAlloc", 2, "CUDA_ERROR_OUT_OF_MEMORY (fake)");
            }
            Allocations++;
            var p = (IntPtr)_next;
            _next += bytes + 256;
            _live.Add(p, bytes);
            return p;
        }

        public void Free(IntPtr pointer) => Assert.That(_live.Remove(pointer), Is.True, "freed twice or never allocated");

        public void CopyHostToDevice(IntPtr destination, void* source, long bytes) => throw new NotSupportedException();

        public void CopyDeviceToHost(void* destination, IntPtr source, long bytes) => throw new NotSupportedException();

        public void CopyDeviceToDevice(IntPtr destination, IntPtr source, long bytes) => throw new NotSupportedException();

        public void Launch(string kernel, Dim3 grid, Dim3 block, int sharedBytes, ReadOnlySpan<IntPtr> arguments) => throw new NotSupportedException();

        public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, IntPtr a, int lda, IntPtr b, int ldb, float beta, IntPtr c, int ldc) =>
            throw new NotSupportedException();

        public void SgemmStridedBatched(bool transA, bool transB, int m, int n, int k, float alpha, IntPtr a, int lda, long strideA, IntPtr b, int ldb, long strideB,
            float beta, IntPtr c, int ldc, long strideC, int batch) => throw new NotSupportedException();

        public void Synchronize()
        {
        }

        public void Dispose()
        {
        }
    }
}
