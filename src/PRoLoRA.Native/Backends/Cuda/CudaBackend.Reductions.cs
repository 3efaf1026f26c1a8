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
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(output);
        OpChecks.Rank2(x, nameof(x));
        OpChecks.Vector(output, x.Shape[1], nameof(output));
        IntPtr px = Contiguous(x, nameof(x)), po = Contiguous(output, nameof(output));
        int rows = x.Shape[0], cols = x.Shape[1];
        Int(x.Count, nameof(x));
        Launch("sum_rows", cols, [(IntPtr)(&px), (IntPtr)(&po), (IntPtr)(&rows), (IntPtr)(&cols), (IntPtr)(&beta)]);
    }

    /// <inheritdoc/>
    public unsafe double SumOfSquares(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        IntPtr px = Contiguous(x, nameof(x));
        int n = Int(x.Count, nameof(x));
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
