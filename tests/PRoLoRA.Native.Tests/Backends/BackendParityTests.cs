// Namespace BackendParity, not Backends: a PRoLoRA.Native.Tests.Backends namespace would capture the
// relative name Backends.Cpu.CpuBackend used in HostKernels/StridedView.cs.
using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Tests.BackendParity;

/// <summary>
/// One test body for every backend (ILGPU style): each IBackend op runs on random inputs on the
/// backend of the concrete fixture and on <see cref="CpuBackend"/>, and the results must agree
/// (<see cref="ParityAssert.GemmRelative"/> for GEMM, <see cref="ParityAssert.Relative"/> elsewhere,
/// bit-exact for copies and dropout masks). The ops are split over the partial files of this class.
/// </summary>
public abstract partial class BackendParityTests
{
    private readonly List<Tensor> _tensors = [];
    private IBackend? _backend;

    /// <summary>The backend under test; called once per fixture (skip there when it is unavailable).</summary>
    protected abstract IBackend CreateBackend();

    /// <summary>The backend under test.</summary>
    private protected IBackend Backend => _backend ?? throw new InvalidOperationException("the backend opens in OneTimeSetUp");

    /// <summary>The reference.</summary>
    private protected static CpuBackend Cpu => CpuBackend.Instance;

    /// <summary>Random inputs, the same for every backend.</summary>
    private protected Random Rng { get; private set; } = new(1);

    /// <summary>Opens the backend.</summary>
    [OneTimeSetUp]
    public void OpenBackend() => _backend = CreateBackend();

    /// <summary>Closes the backend.</summary>
    [OneTimeTearDown]
    public void CloseBackend()
    {
        if (_backend is not null && !ReferenceEquals(_backend, Cpu))
        {
            _backend.Dispose();
        }
        _backend = null;
    }

    /// <summary>A fresh generator per test, so each test sees the same numbers on every backend.</summary>
    [SetUp]
    public void Seed() => Rng = new Random(20240611);

    /// <summary>Releases the tensors a test made.</summary>
    [TearDown]
    public void FreeTensors()
    {
        foreach (var t in _tensors)
        {
            t.Dispose();
        }
        _tensors.Clear();
    }

    /// <summary>n values uniform in [lo, hi).</summary>
    private protected float[] Randoms(long n, float lo = -1f, float hi = 1f)
    {
        var values = new float[n];
        for (long i = 0; i < n; i++)
        {
            values[i] = lo + ((hi - lo) * Rng.NextSingle());
        }
        return values;
    }

    /// <summary>n copies of NaN: outputs pre-filled with it prove that beta = 0 does not read them.</summary>
    private protected static float[] NaNs(long n) => Enumerable.Repeat(float.NaN, (int)n).ToArray();

    /// <summary>The same data on the backend under test and on the CPU.</summary>
    private protected (Tensor Dev, Tensor Ref) Pair(float[] data, params int[] dims)
    {
        var shape = new Shape(dims);
        var dev = Backend.FromArray(data, shape);
        var cpu = Cpu.FromArray(data, shape);
        _tensors.Add(dev);
        _tensors.Add(cpu);
        return (dev, cpu);
    }

    /// <summary>A random pair of shape <paramref name="dims"/>.</summary>
    private protected (Tensor Dev, Tensor Ref) RandomPair(params int[] dims) => Pair(Randoms(new Shape(dims).Count), dims);

    /// <summary>
    /// A rows×cols view with padded rows and an offset into a larger tensor, so strides and offsets
    /// other than the contiguous ones reach the launchers.
    /// </summary>
    private protected (Tensor Dev, Tensor Ref) PaddedPair(int rows, int cols, int pad = 3)
    {
        var (dev, cpu) = RandomPair(rows, cols + pad);
        return (View(dev, rows, cols, pad), View(cpu, rows, cols, pad));

        static Tensor View(Tensor t, int rows, int cols, int pad) =>
            new(t.Backend, t.Storage, new Shape(rows, cols), [cols + pad, 1], offset: 1, ownsStorage: false);
    }

    /// <summary>A rows×cols pair that is the transposed view of a cols×rows tensor.</summary>
    private protected (Tensor Dev, Tensor Ref) TransposedPair(int rows, int cols)
    {
        var (dev, cpu) = RandomPair(cols, rows);
        return (dev.T, cpu.T);
    }

    /// <summary>The element values of both tensors agree.</summary>
    private protected static void AssertClose(Tensor dev, Tensor cpu, string what, float relative = ParityAssert.Relative) =>
        ParityAssert.Close(dev.ToArray(), cpu.ToArray(), what, relative);

    /// <summary>The element values of both tensors agree bit for bit.</summary>
    private protected static void AssertExact(Tensor dev, Tensor cpu, string what) => ParityAssert.Exact(dev.ToArray(), cpu.ToArray(), what);

    [Test]
    public void Describes_Itself()
    {
        Assert.That(Backend.Name, Is.Not.Empty);
        var t = Backend.Empty(new Shape(2, 3));
        _tensors.Add(t);
        Assert.That(t.Shape, Is.EqualTo(new Shape(2, 3)));
        Assert.That(t.Backend, Is.SameAs(Backend));
        Assert.That(t.IsContiguous, Is.True);
        Backend.Synchronize();
    }
}
