using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cuda;

/// <summary>Launchers of causal_softmax.cu: one block per row; the key mask, when given, is uploaded to scratch memory.</summary>
public sealed partial class CudaBackend
{
    /// <inheritdoc/>
    public unsafe void CausalSoftmax(Tensor scores, int queries, int queryOffset, int rowsPerBatch, ReadOnlySpan<int> keyMask, Tensor probabilities)
    {
        ThrowIfDisposed();
        var (rows, keys) = OpChecks.CausalSoftmax(this, scores, queries, queryOffset, rowsPerBatch, keyMask, probabilities);
        Int(scores.Count, nameof(scores));
        if (rows == 0)
        {
            return;
        }
        IntPtr ps = Ptr(scores), pp = Ptr(probabilities);
        using var mask = Upload(keyMask);
        IntPtr pm = keyMask.IsEmpty ? IntPtr.Zero : mask.Pointer;
        Launch("causal_softmax", new Dim3(rows), new Dim3(BlockSize), 0,
            [(IntPtr)(&ps), (IntPtr)(&pm), (IntPtr)(&pp), (IntPtr)(&keys), (IntPtr)(&queries), (IntPtr)(&queryOffset), (IntPtr)(&rowsPerBatch)]);
    }

    /// <inheritdoc/>
    public unsafe void CausalSoftmaxBackward(Tensor probabilities, Tensor dProbabilities, Tensor dScores)
    {
        ThrowIfDisposed();
        var (rows, keys) = OpChecks.CausalSoftmaxBackward(this, probabilities, dProbabilities, dScores);
        Int(probabilities.Count, nameof(probabilities));
        IntPtr pp = Ptr(probabilities), pdp = Ptr(dProbabilities), pds = Ptr(dScores);
        Launch("causal_softmax_backward", new Dim3(rows), new Dim3(BlockSize), 0, [(IntPtr)(&pp), (IntPtr)(&pdp), (IntPtr)(&pds), (IntPtr)(&keys)]);
    }
}
