namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>
/// A register-tiled GEMM micro-kernel: one <see cref="MR"/>×<see cref="NR"/> tile of C over kc steps.
/// Implemented by structs so the driver, generic over the kernel, is compiled once per kernel with
/// the call inlined.
/// </summary>
internal interface IGemmKernel
{
    /// <summary>Rows of the C tile.</summary>
    static abstract int MR { get; }

    /// <summary>Columns of the C tile (the width of a packed B panel).</summary>
    static abstract int NR { get; }

    /// <summary>Rows of op(A) per packed block, a multiple of <see cref="MR"/> (the block stays in L2).</summary>
    static abstract int MC { get; }

    /// <summary>Depth of a packed slice of op(A) and op(B) on large products (a B panel of KC×NR stays in L1).</summary>
    static abstract int KC { get; }

    /// <summary>
    /// C[i, j] = alpha · Σ_p A[i, p] · B[p, j] + beta · C[i, j] for the whole MR×NR tile.
    /// A[i, p] is at a[i·rsA + p·csA] (a packed panel has rsA = 1, csA = MR); B[p, j] at b[p·NR + j]
    /// (a packed panel); C[i, j] at c[i·ldc + j]. beta = 0 never reads C. Along the way the kernel asks
    /// L2 for <paramref name="nextLines"/> cache lines from <paramref name="next"/> on (part of the next
    /// B panel), one per few k steps, so the requests never pile up.
    /// </summary>
    static abstract unsafe void Run(int kc, float* a, nint rsA, nint csA, float* b, float* c, nint ldc, float alpha, float beta, float* next, int nextLines);
}
