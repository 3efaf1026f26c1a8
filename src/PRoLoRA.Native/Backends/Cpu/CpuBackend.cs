using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>
/// The managed CPU backend: the ops of <see cref="IBackend"/> on managed arrays, one file per concern
/// mirroring the CUDA backend's (CpuBackend.Elementwise.cs beside CudaBackend.Elementwise.cs and
/// cuda/elementwise.cu). Each file also holds the plain formula of its ops (<see cref="Reference"/>),
/// which the tests hold every backend to, this one included. Every op first calls its
/// <see cref="OpChecks"/> method and checks nothing else.
/// </summary>
public sealed partial class CpuBackend : IBackend
{
    /// <summary>
    /// A shared instance for code that needs a CPU backend without owning one (loading a file,
    /// the tests); disposing it does nothing. <see cref="Devices.Open"/> gives an owned one.
    /// </summary>
    public static CpuBackend Instance { get; } = new();

    /// <inheritdoc/>
    public string Name => "cpu";

    /// <inheritdoc/>
    public DeviceKind Kind => DeviceKind.Cpu;

    private readonly CpuArrayPool _pool = new(CpuArrayPool.DefaultCap);

    /// <summary>Bytes of disposed tensors kept for reuse (see <see cref="ReleaseCachedMemory"/>).</summary>
    public long CachedBytes => _pool.PooledBytes;

    /// <summary>Frees the arrays of disposed tensors kept for reuse (tensors in use keep theirs).</summary>
    public void ReleaseCachedMemory() => _pool.Trim();

    /// <inheritdoc/>
    /// <remarks>The array comes from a pool of disposed tensors' arrays and goes back to it when the tensor is disposed.</remarks>
    public Tensor Empty(Shape shape)
    {
        if (shape.Count > Array.MaxLength)
        {
            throw new ArgumentException($"a CPU tensor of shape {shape} would have {shape.Count:N0} elements, more than one array holds ({Array.MaxLength:N0})", nameof(shape));
        }
        return new(this, new CpuStorage(_pool.Rent((int)shape.Count), _pool.Return), shape);
    }

    /// <inheritdoc/>
    public Tensor Zeros(Shape shape)
    {
        var t = Empty(shape);
        Elements(t).Clear();
        return t;
    }

    /// <inheritdoc/>
    public Tensor FromArray(ReadOnlySpan<float> data, Shape shape)
    {
        OpChecks.FromArray(data.Length, shape);
        return new Tensor(this, new CpuStorage(data.ToArray()), shape);
    }

    /// <inheritdoc/>
    public void Synchronize()
    {
    }

    /// <summary>Frees the arrays kept for reuse (tensors made here stay usable: their arrays are managed).</summary>
    public void Dispose()
    {
        if (!ReferenceEquals(this, Instance))
        {
            _pool.Trim();
        }
    }

    /// <summary>The managed array behind a (checked) tensor of this backend.</summary>
    internal static float[] Data(Tensor t) => ((CpuStorage)t.Storage).Data;

    /// <summary>A (checked) contiguous tensor's elements.</summary>
    internal static Span<float> Elements(Tensor t) => Data(t).AsSpan((int)t.Offset, (int)t.Count);

    /// <summary>The plain formulas of the ops on row-major host arrays: the definitions every backend is tested against.</summary>
    internal static partial class Reference
    {
    }
}
