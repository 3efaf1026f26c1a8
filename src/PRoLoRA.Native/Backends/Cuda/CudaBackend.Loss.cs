using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cuda;

/// <summary>
/// Launcher of softmax_cross_entropy.cu: one block per row; the host counts the rows whose target is
/// not −1 (ignored) and averages their losses in double.
/// </summary>
public sealed partial class CudaBackend
{
    /// <inheritdoc/>
    public unsafe float SoftmaxCrossEntropy(Tensor logits, ReadOnlySpan<int> targets, Tensor dLogits)
    {
        ThrowIfDisposed();
        var (n, v) = OpChecks.SoftmaxCrossEntropy(this, logits, targets, dLogits);
        Int(logits.Count, nameof(logits));
        IntPtr pl = Ptr(logits), pd = Ptr(dLogits);
        if (n == 0)
        {
            return 0f;
        }
        int count = n - targets.Count(-1);
        using var ids = Upload(targets);
        using var losses = Rent(n * (long)sizeof(float));
        IntPtr pt = ids.Pointer, pr = losses.Pointer;
        Launch("softmax_cross_entropy", new Dim3(n), new Dim3(BlockSize), 0, [(IntPtr)(&pl), (IntPtr)(&pt), (IntPtr)(&pd), (IntPtr)(&pr), (IntPtr)(&v), (IntPtr)(&count)]);
        var rows = new float[n];
        fixed (float* h = rows)
        {
            _device.CopyDeviceToHost(h, pr, n * (long)sizeof(float));
        }
        double sum = 0;
        foreach (var row in rows)
        {
            sum += row;
        }
        return count == 0 ? 0f : (float)(sum / count);
    }
}
