using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Quantization;

/// <summary>
/// A frozen weight matrix (rows × cols, row-major) in host memory as it is stored: bfloat16 bits, or
/// NF4 over the flattened row-major values (<see cref="Nf4Tensor"/>, bitsandbytes' layout). A backend
/// takes it with <see cref="Backends.IBackend.FromQuantized"/> and multiplies by it without widening
/// the whole matrix.
/// </summary>
public sealed class QuantizedMatrix
{
    private QuantizedMatrix(int rows, int cols, TensorDType dtype, ushort[]? bits, Nf4Tensor? nf4)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        long count = (long)rows * cols;
        long stored = bits?.LongLength ?? nf4!.Length;
        if (stored != count)
        {
            throw new ArgumentException($"a {rows}×{cols} matrix has {count:N0} values, but its {dtype} storage holds {stored:N0}", bits is null ? nameof(nf4) : nameof(bits));
        }
        Rows = rows;
        Cols = cols;
        DType = dtype;
        BFloat16Bits = bits;
        Nf4 = nf4;
    }

    /// <summary>Rows (a linear's out_features).</summary>
    public int Rows { get; }

    /// <summary>Columns (a linear's in_features).</summary>
    public int Cols { get; }

    /// <summary><see cref="TensorDType.BFloat16"/> or <see cref="TensorDType.Nf4"/>.</summary>
    public TensorDType DType { get; }

    /// <summary>The bfloat16 bits, row-major, when <see cref="DType"/> is BFloat16; otherwise null.</summary>
    public ushort[]? BFloat16Bits { get; }

    /// <summary>The NF4 storage of the row-major values, when <see cref="DType"/> is Nf4; otherwise null.</summary>
    public Nf4Tensor? Nf4 { get; }

    /// <summary>The number of values.</summary>
    public long Count => (long)Rows * Cols;

    /// <summary>Bytes held: 2 a value in bfloat16; NF4's packed indices and absmax storage.</summary>
    public long StorageBytes => BFloat16Bits is { } b ? 2L * b.LongLength : Nf4!.StorageBytes;

    /// <summary>Wraps bfloat16 bits (row-major).</summary>
    /// <exception cref="ArgumentException">The bits do not fill rows × cols.</exception>
    public static QuantizedMatrix FromBFloat16(ushort[] bits, int rows, int cols)
    {
        ArgumentNullException.ThrowIfNull(bits);
        return new QuantizedMatrix(rows, cols, TensorDType.BFloat16, bits, null);
    }

    /// <summary>Wraps NF4 storage of the row-major values.</summary>
    /// <exception cref="ArgumentException">The storage does not hold rows × cols values.</exception>
    public static QuantizedMatrix FromNf4(Nf4Tensor nf4, int rows, int cols)
    {
        ArgumentNullException.ThrowIfNull(nf4);
        return new QuantizedMatrix(rows, cols, TensorDType.Nf4, null, nf4);
    }

    /// <summary>
    /// Quantises the row-major <paramref name="values"/> of a rows × cols matrix to <paramref name="dtype"/>
    /// (NF4 in blocks of <see cref="Quantization.Nf4.DefaultBlockSize"/>, its absmax values double-quantised when asked).
    /// </summary>
    /// <exception cref="ArgumentException">The values do not fill rows × cols, the dtype is not BFloat16 or Nf4, or (NF4) a value is NaN or ±Inf.</exception>
    public static QuantizedMatrix Quantize(ReadOnlySpan<float> values, int rows, int cols, TensorDType dtype, bool doubleQuantize = false)
    {
        if (values.Length != (long)rows * cols)
        {
            throw new ArgumentException($"{values.Length:N0} values do not fill a {rows}×{cols} matrix", nameof(values));
        }
        return dtype switch
        {
            TensorDType.BFloat16 => FromBFloat16(BFloat16.Encode(values), rows, cols),
            TensorDType.Nf4 => FromNf4(Quantization.Nf4.Quantize(values, Quantization.Nf4.DefaultBlockSize, doubleQuantize), rows, cols),
            _ => throw new ArgumentException($"a quantised matrix is BFloat16 or Nf4, not {dtype}", nameof(dtype)),
        };
    }

    /// <summary>The values, widened to float32, row-major, into <paramref name="destination"/> (exactly <see cref="Count"/> long).</summary>
    public void Dequantize(Span<float> destination)
    {
        if (destination.Length != Count)
        {
            throw new ArgumentException($"a {Rows}×{Cols} matrix has {Count:N0} values, the destination holds {destination.Length:N0}", nameof(destination));
        }
        if (BFloat16Bits is { } bits)
        {
            BFloat16.Decode(bits, destination);
        }
        else
        {
            Quantization.Nf4.Dequantize(Nf4!, destination);
        }
    }

    /// <summary>The values, widened to float32, in a new row-major array.</summary>
    public float[] Dequantize()
    {
        var values = new float[Count];
        Dequantize(values);
        return values;
    }
}
