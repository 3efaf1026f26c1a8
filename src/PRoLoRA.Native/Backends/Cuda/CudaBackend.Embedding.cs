using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cuda;

/// <summary>Launchers of embedding.cu: the ids are checked on the host and uploaded to scratch memory.</summary>
public sealed partial class CudaBackend
{
    /// <inheritdoc/>
    public unsafe void Embedding(Tensor table, ReadOnlySpan<int> ids, Tensor output)
    {
        ThrowIfDisposed();
        var (n, d) = OpChecks.Embedding(this, table, ids, output);
        IntPtr pt = Ptr(table), po = Ptr(output);
        using var scratch = Upload(ids);
        IntPtr pi = scratch.Pointer;
        Launch("embedding", Int(output.Count, nameof(output)), [(IntPtr)(&pt), (IntPtr)(&pi), (IntPtr)(&po), (IntPtr)(&n), (IntPtr)(&d)]);
    }

    /// <inheritdoc/>
    public unsafe void EmbeddingBackward(Tensor dOutput, ReadOnlySpan<int> ids, Tensor dTable)
    {
        ThrowIfDisposed();
        var (n, d) = OpChecks.EmbeddingBackward(this, dOutput, ids, dTable);
        IntPtr po = Ptr(dOutput), pt = Ptr(dTable);
        using var scratch = Upload(ids);
        IntPtr pi = scratch.Pointer;
        Launch("embedding_backward", Int(dOutput.Count, nameof(dOutput)), [(IntPtr)(&po), (IntPtr)(&pi), (IntPtr)(&pt), (IntPtr)(&n), (IntPtr)(&d)]);
    }
}
