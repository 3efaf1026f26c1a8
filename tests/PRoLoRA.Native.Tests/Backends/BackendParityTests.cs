// Namespace BackendParity, not Backends: a PRoLoRA.Native.Tests.Backends namespace would capture
// relative names such as Backends.Cpu in the rest of the test project.
using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Tensors;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.BackendParity;

/// <summary>
/// One test body for every backend (ILGPU style): each IBackend op runs on random inputs on the
/// backend of the concrete fixture, the CPU backend included, and must agree with the op's plain
/// formula in <see cref="CpuBackend.Reference"/> run on the inputs' host copies
/// (<see cref="ParityAssert.GemmRelative"/> for GEMM, <see cref="ParityAssert.Relative"/> elsewhere,
/// bit-exact for copies, masks and lookups). Inputs come as (Dev, Host): the tensor on the backend
/// under test, possibly a padded or transposed view, and its logical row-major contents computed
/// here from the data it was made of. The ops are split over the partial files of this class.
/// </summary>
public abstract partial class BackendParityTests : BackendFixture
{
    private readonly List<Tensor> _tensors = [];

    /// <summary>Random inputs, the same for every backend.</summary>
    private protected Random Rng { get; private set; } = new(1);

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

    /// <summary>A contiguous tensor holding <paramref name="data"/>, and a host copy of it.</summary>
    private protected (Tensor Dev, float[] Host) Pair(float[] data, params int[] dims)
    {
        var dev = Backend.FromArray(data, new Shape(dims));
        _tensors.Add(dev);
        return (dev, (float[])data.Clone());
    }

    /// <summary>A random contiguous tensor of shape <paramref name="dims"/>.</summary>
    private protected (Tensor Dev, float[] Host) RandomPair(params int[] dims) => Pair(Randoms(new Shape(dims).Count), dims);

    /// <summary>
    /// A rows×cols view with padded rows and an offset of 1 into a larger tensor, so strides and
    /// offsets other than the contiguous ones reach the launchers.
    /// </summary>
    private protected (Tensor Dev, float[] Host) PaddedPair(int rows, int cols, int pad = 3)
    {
        var (stored, data) = RandomPair(rows, cols + pad);
        var view = new Tensor(Backend, stored.Storage, new Shape(rows, cols), [cols + pad, 1], offset: 1, ownsStorage: false);
        var host = new float[rows * cols];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                host[(i * cols) + j] = data[1 + (i * (cols + pad)) + j];
            }
        }
        return (view, host);
    }

    /// <summary>A value the padding around <see cref="Padded"/> views holds, which an op must neither read into a result nor overwrite.</summary>
    private protected const float PaddingMarker = 12345.5f;

    /// <summary>A rows×cols view holding <paramref name="logical"/> inside padded rows (offset 1) of <see cref="PaddingMarker"/>s, and the whole storage tensor.</summary>
    private protected (Tensor View, Tensor Stored) Padded(float[] logical, int rows, int cols, int pad = 3)
    {
        var data = Enumerable.Repeat(PaddingMarker, (rows * (cols + pad)) + 1).ToArray();
        for (int i = 0; i < rows; i++)
        {
            Array.Copy(logical, i * cols, data, 1 + (i * (cols + pad)), cols);
        }
        var (stored, _) = Pair(data, data.Length);
        return (new Tensor(Backend, stored.Storage, new Shape(rows, cols), [cols + pad, 1], offset: 1, ownsStorage: false), stored);
    }

    /// <summary>The padding of a <see cref="Padded"/> view is untouched.</summary>
    private protected static void AssertPaddingKept(Tensor stored, int rows, int cols, int pad = 3)
    {
        var data = stored.ToArray();
        for (int k = 0; k < data.Length; k++)
        {
            int row = (k - 1) / (cols + pad), col = (k - 1) % (cols + pad);
            if (k == 0 || row >= rows || col >= cols)
            {
                Assert.That(data[k], Is.EqualTo(PaddingMarker), $"padding at {k} was written");
            }
        }
    }

    /// <summary>A rows×cols view that is the transpose of a cols×rows tensor.</summary>
    private protected (Tensor Dev, float[] Host) TransposedPair(int rows, int cols) => Transposed(Randoms(rows * cols), cols, rows);

    /// <summary>The transposed view of a stored rows×cols tensor holding <paramref name="data"/>, and its logical (cols×rows) contents.</summary>
    private protected (Tensor Dev, float[] Host) Transposed(float[] data, int rows, int cols)
        => (Pair(data, rows, cols).Dev.T, HostArrays.Transpose(data, rows, cols));

    /// <summary>The logical contents of <paramref name="dev"/> agree with <paramref name="expected"/>.</summary>
    private protected static void AssertClose(Tensor dev, float[] expected, string what, float relative = ParityAssert.Relative) =>
        ParityAssert.Close(dev.ToArray(), expected, what, relative);

    /// <summary>The logical contents of <paramref name="dev"/> agree with <paramref name="expected"/> bit for bit.</summary>
    private protected static void AssertExact(Tensor dev, float[] expected, string what) => ParityAssert.Exact(dev.ToArray(), expected, what);

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
