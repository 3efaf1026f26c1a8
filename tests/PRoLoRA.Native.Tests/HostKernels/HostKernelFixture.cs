using PRoLoRA.Native.Backends.Cuda;

namespace PRoLoRA.Native.Tests.HostKernels;

/// <summary>
/// Base of the host-kernel tests: opens the host-shim device (or skips with the reason), launches
/// kernels as CudaBackend does (1-D grid, 256 threads a block) and frees what a test uploaded.
/// </summary>
public abstract class HostKernelFixture
{
    /// <summary>Threads per block, as cuda/README.md prescribes.</summary>
    private protected const int BlockSize = 256;

    private readonly List<IDisposable> _owned = [];
    private HostShimDevice? _device;

    private protected HostShimDevice Device => _device ?? throw new InvalidOperationException("the device opens in SetUp");

    /// <summary>Opens the device; skips the test when the host-kernel library is missing.</summary>
    [SetUp]
    public void OpenDevice() => _device = new HostShimDevice(HostKernelLibrary.Require());

    /// <summary>Frees every array the test uploaded.</summary>
    [TearDown]
    public void FreeArrays()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }
        _owned.Clear();
        _device?.Dispose();
        _device = null;
    }

    /// <summary>Launches <paramref name="kernel"/> over <paramref name="threads"/> threads.</summary>
    private protected void Run(string kernel, int threads, KernelArgs args)
    {
        using (args)
        {
            Device.Launch(kernel, new Dim3((threads + BlockSize - 1) / BlockSize), new Dim3(BlockSize), 0, args.Pointers);
        }
    }

    /// <summary>Launches <paramref name="kernel"/> on <paramref name="grid"/> blocks of <paramref name="block"/> threads with dynamic shared memory.</summary>
    private protected void Run(string kernel, Dim3 grid, Dim3 block, int sharedBytes, KernelArgs args)
    {
        using (args)
        {
            Device.Launch(kernel, grid, block, sharedBytes, args.Pointers);
        }
    }

    /// <summary>A device copy of <paramref name="values"/>, freed after the test.</summary>
    private protected DeviceArray<T> Upload<T>(ReadOnlySpan<T> values)
        where T : unmanaged
    {
        var array = DeviceArray<T>.Upload(Device, values);
        _owned.Add(array);
        return array;
    }

    /// <summary>A value uniform in [−scale, scale).</summary>
    private protected static float RandomFloat(Random rng, float scale = 1f) => scale * ((2f * rng.NextSingle()) - 1f);

    /// <summary><paramref name="n"/> values uniform in [−scale, scale).</summary>
    private protected static float[] RandomFloats(Random rng, int n, float scale = 1f)
    {
        var values = new float[n];
        for (int i = 0; i < n; i++)
        {
            values[i] = RandomFloat(rng, scale);
        }
        return values;
    }

    /// <summary><paramref name="n"/> copies of NaN: an output that a kernel must write without reading.</summary>
    private protected static float[] NaNs(int n) => Enumerable.Repeat(float.NaN, n).ToArray();
}
