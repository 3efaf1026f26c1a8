using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cuda;

/// <summary>
/// Launcher of rope.cu: one thread per rotated pair; the positions and HF's inverse frequencies
/// (<see cref="RopeFrequencies"/>, computed here as on the CPU) are uploaded to scratch memory.
/// </summary>
public sealed partial class CudaBackend
{
    /// <inheritdoc/>
    public unsafe void Rope(Tensor x, ReadOnlySpan<int> positions, int headDim, float theta, float positionScale, Tensor output, bool inverse)
    {
        ThrowIfDisposed();
        var (rows, heads) = OpChecks.Rope(this, x, positions, headDim, theta, positionScale, output);
        int pairs = Int(x.Count / 2, nameof(x));
        if (pairs == 0)
        {
            return;
        }
        IntPtr px = Ptr(x), po = Ptr(output);
        using var ids = Upload(positions);
        using var frequencies = Upload<float>(RopeFrequencies.Inverse(headDim, theta));
        IntPtr pp = ids.Pointer, pf = frequencies.Pointer;
        float sign = inverse ? -1f : 1f;
        Launch("rope", pairs, [(IntPtr)(&px), (IntPtr)(&pp), (IntPtr)(&pf), (IntPtr)(&po), (IntPtr)(&rows), (IntPtr)(&heads), (IntPtr)(&headDim), (IntPtr)(&positionScale), (IntPtr)(&sign)]);
    }
}
