using PRoLoRA.Native.Quantization;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cuda;

/// <summary>
/// Quantised frozen weights (bfloat16, NF4) kept quantised in device memory and widened to float32 a
/// tile of rows at a time (cuda/dequantize.cu): by <see cref="Gemm"/> (CudaBackend.QuantizedGemm.cs)
/// and by the copies.
/// </summary>
public sealed partial class CudaBackend
{
    /// <summary>
    /// The most float32 values one widened tile holds (2^24, 64 MiB): the scratch a quantised GEMM or
    /// copy rents is bounded by it, or by one row when a row is longer. Settable so the tests exercise
    /// the tiling on small matrices.
    /// </summary>
    internal long QuantizedTileFloats { get; set; } = 1 << 24;

    /// <inheritdoc/>
    public Tensor FromQuantized(QuantizedMatrix matrix)
    {
        ThrowIfDisposed();
        OpChecks.FromQuantized(matrix);
        return new Tensor(this, new CudaQuantizedStorage(_allocator, _device, matrix), new Shape(matrix.Rows, matrix.Cols));
    }

    /// <summary>Whether a checked quantised tensor is the transpose of its stored matrix (else it is the whole matrix).</summary>
    private static bool IsTransposedView(Tensor t, QuantizedStorage q) => !(t.Shape[0] == q.Rows && t.Strides[1] == 1);

    /// <summary>Rows of a stored matrix of <paramref name="cols"/> columns that one widened tile holds (at least 1).</summary>
    private int TileRows(int cols) => (int)Math.Clamp(QuantizedTileFloats / Math.Max(cols, 1), 1, int.MaxValue);

    /// <summary>Widens rows [<paramref name="firstRow"/>, + <paramref name="rowCount"/>) of <paramref name="q"/> into contiguous row-major <paramref name="destination"/>.</summary>
    private unsafe void Dequantize(CudaQuantizedStorage q, int firstRow, int rowCount, IntPtr destination)
    {
        long first = (long)firstRow * q.Cols;
        int count = Int((long)rowCount * q.Cols, "tile");
        IntPtr data = q.Data, to = destination;
        if (q.DType == TensorDType.BFloat16)
        {
            Launch("dequantize_bf16", count, [(IntPtr)(&data), (IntPtr)(&first), (IntPtr)(&count), (IntPtr)(&to)]);
            return;
        }
        IntPtr values = q.CodeValues;
        int blockSize = q.BlockSize;
        if (!q.DoubleQuantized)
        {
            IntPtr absmax = q.Absmax;
            Launch("dequantize_nf4", count,
                [(IntPtr)(&data), (IntPtr)(&absmax), (IntPtr)(&values), (IntPtr)(&blockSize), (IntPtr)(&first), (IntPtr)(&count), (IntPtr)(&to)]);
            return;
        }
        IntPtr codes = q.AbsmaxCodes, nested = q.NestedAbsmax, map = q.AbsmaxMap;
        float offset = q.AbsmaxOffset;
        int nestedBlockSize = q.NestedBlockSize;
        Launch("dequantize_nf4_double_quant", count,
            [(IntPtr)(&data), (IntPtr)(&codes), (IntPtr)(&nested), (IntPtr)(&map), (IntPtr)(&offset), (IntPtr)(&nestedBlockSize),
             (IntPtr)(&values), (IntPtr)(&blockSize), (IntPtr)(&first), (IntPtr)(&count), (IntPtr)(&to)]);
    }

    /// <summary>
    /// A checked quantised src (whole or transposed) widened into contiguous row-major
    /// <paramref name="destination"/>, a tile of rows of the stored W at a time: the whole matrix straight
    /// into it; for Wᵀ each tile into scratch, then transposed by copy_2d into its columns of the destination.
    /// </summary>
    private void DequantizeInto(Tensor src, IntPtr destination)
    {
        var q = (CudaQuantizedStorage)src.Storage;
        if (q.Length == 0)
        {
            return;
        }
        int tileRows = Math.Min(TileRows(q.Cols), q.Rows);
        if (!IsTransposedView(src, q))
        {
            for (int r0 = 0; r0 < q.Rows; r0 += tileRows)
            {
                Dequantize(q, r0, Math.Min(tileRows, q.Rows - r0), destination + (nint)((long)r0 * q.Cols * sizeof(float)));
            }
            return;
        }
        using var tile = Rent((long)tileRows * q.Cols * sizeof(float));
        for (int r0 = 0; r0 < q.Rows; r0 += tileRows)
        {
            int rows = Math.Min(tileRows, q.Rows - r0);
            Dequantize(q, r0, rows, tile.Pointer);
            // The tile T (rows×cols) seen transposed (cols×rows: strides 1, cols) goes to columns [r0, r0 + rows) of Wᵀ.
            Copy2d(tile.Pointer, 1, q.Cols, q.Cols, rows, destination + (nint)((long)r0 * sizeof(float)), q.Rows);
        }
    }

    /// <summary>CopyToHost of a checked quantised src: the whole matrix through one tile of scratch, a transpose widened into scratch of its size (<see cref="DequantizeInto"/>).</summary>
    private unsafe void DequantizeToHost(Tensor src, Span<float> dst)
    {
        var q = (CudaQuantizedStorage)src.Storage;
        if (q.Length == 0)
        {
            return;
        }
        if (IsTransposedView(src, q))
        {
            using var packed = Rent(q.Length * sizeof(float));
            DequantizeInto(src, packed.Pointer);
            fixed (float* to = dst)
            {
                _device.CopyDeviceToHost(to, packed.Pointer, q.Length * sizeof(float));
            }
            return;
        }
        int tileRows = Math.Min(TileRows(q.Cols), q.Rows);
        using var tile = Rent((long)tileRows * q.Cols * sizeof(float));
        for (int r0 = 0; r0 < q.Rows; r0 += tileRows)
        {
            int rows = Math.Min(tileRows, q.Rows - r0);
            Dequantize(q, r0, rows, tile.Pointer);
            fixed (float* to = dst.Slice(r0 * q.Cols))
            {
                _device.CopyDeviceToHost(to, tile.Pointer, (long)rows * q.Cols * sizeof(float));
            }
        }
    }
}
