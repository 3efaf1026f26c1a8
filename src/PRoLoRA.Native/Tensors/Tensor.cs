using PRoLoRA.Native.Backends;

namespace PRoLoRA.Native.Tensors;

/// <summary>
/// A tensor: a view (shape, strides in elements, offset) over a backend's storage, float32 unless it
/// holds a quantised frozen weight (<see cref="DType"/>). Transposes and reshapes of contiguous tensors
/// are views and copy nothing.
/// </summary>
public sealed class Tensor : IDisposable
{
    private readonly bool _ownsStorage;
    private readonly int[] _strides;

    /// <summary>Creates a view (backends and views make tensors; users call a backend's <c>Empty</c>/<c>Zeros</c>/<c>FromArray</c>).</summary>
    internal Tensor(IBackend backend, TensorStorage storage, Shape shape, int[]? strides = null, long offset = 0, bool ownsStorage = true)
    {
        Backend = backend;
        Storage = storage;
        Shape = shape;
        _strides = strides ?? ContiguousStrides(shape);
        Offset = offset;
        _ownsStorage = ownsStorage;
        if (_strides.Length != shape.Rank)
        {
            throw new ArgumentException($"strides of rank {_strides.Length} for shape {shape}", nameof(strides));
        }
    }

    /// <summary>The backend that owns the storage and runs ops on it.</summary>
    public IBackend Backend { get; }

    /// <summary>The underlying buffer.</summary>
    internal TensorStorage Storage { get; }

    /// <summary>How the elements are stored: float32, or a frozen weight in bfloat16 or NF4 (<see cref="IBackend.FromQuantized"/>).</summary>
    public TensorDType DType => Storage.DType;

    /// <summary>Extents.</summary>
    public Shape Shape { get; }

    /// <summary>Strides in elements, one per dimension.</summary>
    public ReadOnlySpan<int> Strides => _strides;

    /// <summary>Offset of element [0, ..., 0] in the storage, in elements.</summary>
    public long Offset { get; }

    /// <summary>Number of elements.</summary>
    public long Count => Shape.Count;

    /// <summary>Rows of a 2-D tensor.</summary>
    public int Rows => Shape.Rank == 2 ? Shape[0] : throw new InvalidOperationException($"tensor of shape {Shape} is not 2-D");

    /// <summary>Columns of a 2-D tensor.</summary>
    public int Cols => Shape.Rank == 2 ? Shape[1] : throw new InvalidOperationException($"tensor of shape {Shape} is not 2-D");

    /// <summary>True when the elements are laid out row-major without gaps.</summary>
    public bool IsContiguous => Strides.SequenceEqual(ContiguousStrides(Shape));

    /// <summary>The transpose of a 2-D tensor, as a view.</summary>
    public Tensor T
    {
        get
        {
            if (Shape.Rank != 2)
            {
                throw new InvalidOperationException($"transpose needs a 2-D tensor, got shape {Shape}");
            }
            return new Tensor(Backend, Storage, new Shape(Shape[1], Shape[0]), [Strides[1], Strides[0]], Offset, ownsStorage: false);
        }
    }

    /// <summary>A view with another shape of the same element count; the tensor must be contiguous.</summary>
    public Tensor Reshape(params int[] dims)
    {
        var shape = new Shape(dims);
        if (shape.Count != Count)
        {
            throw new ArgumentException($"cannot reshape {Shape} ({Count} elements) to {shape} ({shape.Count} elements)", nameof(dims));
        }
        if (!IsContiguous)
        {
            throw new InvalidOperationException($"cannot reshape a non-contiguous view of shape {Shape}");
        }
        return new Tensor(Backend, Storage, shape, null, Offset, ownsStorage: false);
    }

    /// <summary>
    /// A view of the same storage with its own shape and strides, starting <paramref name="offset"/>
    /// elements after this view's first element (attention's per-head views of a token-major matrix).
    /// </summary>
    internal Tensor View(Shape shape, int[] strides, long offset) => new(Backend, Storage, shape, strides, Offset + offset, ownsStorage: false);

    /// <summary>Copies the elements to a new row-major host array.</summary>
    public float[] ToArray()
    {
        var data = new float[Count];
        Backend.CopyToHost(this, data);
        return data;
    }

    /// <summary>Releases the storage if this tensor owns it (views never do).</summary>
    public void Dispose()
    {
        if (_ownsStorage)
        {
            Storage.Dispose();
        }
    }

    /// <summary>Throws unless the shape equals <paramref name="expected"/>, naming <paramref name="what"/>.</summary>
    public void CheckShape(Shape expected, string what)
    {
        if (Shape != expected)
        {
            throw new ArgumentException($"{what} has shape {Shape}, expected {expected}");
        }
    }

    /// <summary>Row-major strides for a shape.</summary>
    internal static int[] ContiguousStrides(Shape shape)
    {
        var strides = new int[shape.Rank];
        long s = 1;
        for (int i = shape.Rank - 1; i >= 0; i--)
        {
            strides[i] = (int)s;
            s *= Math.Max(shape[i], 1);
        }
        return strides;
    }

    /// <inheritdoc/>
    public override string ToString() => $"Tensor{Shape} on {Backend.Name}";
}
