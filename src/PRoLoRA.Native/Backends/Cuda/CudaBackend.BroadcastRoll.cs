using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cuda;

/// <summary>
/// Broadcast-with-roll and its gradient. The kernels take strided views, so the same launch builds A
/// (row-major: rank_fastest = 0) and Bᵀ (the transposed view of a row-major out×r B: rank_fastest = 1);
/// rank_fastest is read off the strides so that consecutive threads touch consecutive memory. The
/// gradient is two launches: the chunk's (blocks of 32 chunk elements × 8 rows of threads splitting
/// the copies) and vec's (one thread per element).
/// </summary>
public sealed partial class CudaBackend
{
    /// <inheritdoc/>
    public unsafe void BroadcastRoll(Tensor chunk, Tensor vec, Tensor full, int shift)
    {
        ThrowIfDisposed();
        var (rs, u, dim, cs) = OpChecks.BroadcastRoll(this, chunk, vec, full, shift);
        IntPtr c = Ptr(chunk), v = Ptr(vec), f = Ptr(full);
        int c0 = chunk.Strides[0], c1 = chunk.Strides[1], v0 = vec.Strides[0], v1 = vec.Strides[1], f0 = full.Strides[0], f1 = full.Strides[1];
        int width = Math.Max(cs, 1), roll = rs > 0 ? shift % rs : 0, rankFastest = RankFastest(full);
        Launch("broadcast_roll", Int(full.Count, nameof(full)),
        [
            (IntPtr)(&c), (IntPtr)(&c0), (IntPtr)(&c1), (IntPtr)(&v), (IntPtr)(&v0), (IntPtr)(&v1), (IntPtr)(&f), (IntPtr)(&f0), (IntPtr)(&f1),
            (IntPtr)(&rs), (IntPtr)(&u), (IntPtr)(&dim), (IntPtr)(&width), (IntPtr)(&roll), (IntPtr)(&rankFastest),
        ]);
    }

    /// <inheritdoc/>
    public unsafe void BroadcastRollGrad(Tensor dFull, Tensor dChunk, Tensor dVec, int shift, float beta)
    {
        ThrowIfDisposed();
        var (rs, u, dim, cs) = OpChecks.BroadcastRollGrad(this, dFull, dChunk, dVec, shift);
        Int(((long)rs * cs) + ((long)u * dim), nameof(dFull));
        IntPtr df = Ptr(dFull), dc = Ptr(dChunk), dv = Ptr(dVec);
        int f0 = dFull.Strides[0], f1 = dFull.Strides[1], c0 = dChunk.Strides[0], c1 = dChunk.Strides[1], v0 = dVec.Strides[0], v1 = dVec.Strides[1];
        int width = Math.Max(cs, 1), roll = rs > 0 ? shift % rs : 0, rankFastest = RankFastest(dChunk);
        Launch("broadcast_roll_grad_chunk", new Dim3((int)((((long)rs * cs) + 31) / 32)), new Dim3(32, 8), 0,
        [
            (IntPtr)(&df), (IntPtr)(&f0), (IntPtr)(&f1), (IntPtr)(&dc), (IntPtr)(&c0), (IntPtr)(&c1),
            (IntPtr)(&rs), (IntPtr)(&dim), (IntPtr)(&width), (IntPtr)(&roll), (IntPtr)(&beta), (IntPtr)(&rankFastest),
        ]);
        Launch("broadcast_roll_grad_vec", u * dim,
        [
            (IntPtr)(&df), (IntPtr)(&f0), (IntPtr)(&f1), (IntPtr)(&dv), (IntPtr)(&v0), (IntPtr)(&v1),
            (IntPtr)(&rs), (IntPtr)(&u), (IntPtr)(&dim), (IntPtr)(&beta),
        ]);
    }

    /// <summary>1 when the rank index (dimension 0) has unit stride, as in Bᵀ of a row-major B.</summary>
    private static int RankFastest(Tensor written) => written.Strides[0] == 1 && written.Strides[1] != 1 ? 1 : 0;
}
