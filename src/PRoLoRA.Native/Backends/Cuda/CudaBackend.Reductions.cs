using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cuda;

/// <summary>
/// Launchers of reductions.cu: column sums in blocks of 32 columns, and the sum of squares in two
/// passes on the device (a bounded number of block partials, then one block), so one double comes back.
/// </summary>
public sealed partial class CudaBackend
{
    /// <summary>The most blocks (and partial sums) of <see cref="SumOfSquares"/>' first pass.</summary>
    internal const int SumOfSquaresBlocks = 1024;

    /// <inheritdoc/>
    public unsafe void SumRows(Tensor x, Tensor output, float beta)
    {
        ThrowIfDisposed();
        var (rows, cols) = OpChecks.SumRows(this, x, output);
        Int(x.Count, nameof(x));
        IntPtr px = Ptr(x), po = Ptr(output);
        Launch("sum_rows", new Dim3((cols + 31) / 32), new Dim3(32, 8), 0, [(IntPtr)(&px), (IntPtr)(&po), (IntPtr)(&rows), (IntPtr)(&cols), (IntPtr)(&beta)]);
    }

    /// <inheritdoc/>
    public unsafe double SumOfSquares(Tensor x)
    {
        ThrowIfDisposed();
        int n = Int(OpChecks.SumOfSquares(this, x), nameof(x));
        if (n == 0)
        {
            return 0;
        }
        IntPtr px = Ptr(x);
        int blocks = Math.Min((n + BlockSize - 1) / BlockSize, SumOfSquaresBlocks);
        using var scratch = Rent((blocks + 1) * (long)sizeof(double));
        IntPtr partials = scratch.Pointer, total = scratch.Pointer + (blocks * sizeof(double));
        Launch("sum_of_squares", new Dim3(blocks), new Dim3(BlockSize), 0, [(IntPtr)(&px), (IntPtr)(&n), (IntPtr)(&partials)]);
        Launch("sum_doubles", new Dim3(1), new Dim3(BlockSize), 0, [(IntPtr)(&partials), (IntPtr)(&blocks), (IntPtr)(&total)]);
        double sum;
        _device.CopyDeviceToHost(&sum, total, sizeof(double));
        return sum;
    }
}
