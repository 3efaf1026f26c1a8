namespace PRoLoRA.Native.Tensors;

/// <summary>The extents of a tensor, outermost first (row-major).</summary>
public readonly struct Shape : IEquatable<Shape>
{
    private readonly int[] _dims;

    /// <summary>Creates a shape; every extent must be zero or positive, and the element count must fit in 64 bits.</summary>
    public Shape(params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        long count = 1;
        foreach (var d in dims)
        {
            if (d < 0)
            {
                throw new ArgumentException($"shape {Format(dims)} has a negative extent", nameof(dims));
            }
            // Saturates instead of wrapping: a zero extent later still makes the count 0.
            count = count > long.MaxValue / Math.Max(d, 1) ? long.MaxValue : count * d;
        }
        if (count == long.MaxValue)
        {
            throw new ArgumentException($"shape {Format(dims)} has more elements than 64 bits count", nameof(dims));
        }
        _dims = (int[])dims.Clone();
    }

    /// <summary>Number of dimensions.</summary>
    public int Rank => _dims?.Length ?? 0;

    /// <summary>Extent of dimension <paramref name="i"/>; negative indices count from the end.</summary>
    public int this[int i] => _dims[i < 0 ? Rank + i : i];

    /// <summary>Number of elements.</summary>
    public long Count
    {
        get
        {
            long n = 1;
            foreach (var d in _dims ?? [])
            {
                n *= d;
            }
            return n;
        }
    }

    /// <summary>A copy of the extents.</summary>
    public int[] ToArray() => (int[])(_dims ?? []).Clone();

    /// <inheritdoc/>
    public bool Equals(Shape other) => (_dims ?? []).AsSpan().SequenceEqual(other._dims ?? []);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Shape s && Equals(s);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var d in _dims ?? [])
        {
            h.Add(d);
        }
        return h.ToHashCode();
    }

    /// <summary>Shape equality.</summary>
    public static bool operator ==(Shape a, Shape b) => a.Equals(b);

    /// <summary>Shape inequality.</summary>
    public static bool operator !=(Shape a, Shape b) => !a.Equals(b);

    /// <summary>Formats as "(5, 12)".</summary>
    public override string ToString() => Format(_dims ?? []);

    private static string Format(int[] dims) => "(" + string.Join(", ", dims) + ")";
}
