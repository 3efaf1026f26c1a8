using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cuda;

/// <summary>Launchers of reductions.cu: column sums, and the sum of squares whose partial sums the host adds.</summary>
public sealed partial class CudaBackend
{
    /// <summary>Upper bound on the partial sums of <see cref="SumOfSquares"/> (each a strided sum in double).</summary>
    internal const int SumOfSquaresParts = 1 << 16;

    /// <inheritdoc/>
    public unsafe void SumRows(Tensor x, Tensor output, float beta)
    {
        var (rows, cols) = OpChecks.SumRows(this, x, output);
        Int(x.Count, nameof(x));
        IntPtr px = Ptr(x), po = Ptr(output);
        Launch("sum_rows", cols, [(IntPtr)(&px), (IntPtr)(&po), (IntPtr)(&rows), (IntPtr)(&cols), (IntPtr)(&beta)]);
    }

    /// <inheritdoc/>
    public unsafe double SumOfSquares(Tensor x)
    {
        int n = Int(OpChecks.SumOfSquares(this, x), nameof(x));
        IntPtr px = Ptr(x);
        if (n == 0)
        {
            return 0;
        }
        int parts = Math.Min(n, SumOfSquaresParts);
        using var partials = Rent(parts * (long)sizeof(double));
        IntPtr pp = partials.Pointer;
        Launch("sum_of_squares", parts, [(IntPtr)(&px), (IntPtr)(&n), (IntPtr)(&pp), (IntPtr)(&parts)]);
        var host = new double[parts];
        fixed (double* h = host)
        {
            _device.CopyDeviceToHost(h, pp, parts * (long)sizeof(double));
        }
        double sum = 0;
        foreach (var part in host)
        {
            sum += part;
        }
        return sum;
    }
}
