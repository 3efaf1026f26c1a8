using System.Runtime.Intrinsics;

namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>
/// Row-major single-precision GEMM on the CPU: C = alpha · op(A) · op(B) + beta · C.
/// Packed and register-tiled (<see cref="GemmKernel512"/> where AVX-512 runs, <see cref="GemmKernel256"/>
/// otherwise). Short C (m ≤ 32) goes to <see cref="GemmSmallM"/>, large products to
/// <see cref="GemmSharedB{TKernel}"/> (threads share packed B and take row blocks as they come free),
/// the rest is split over the cores in rectangles of C that need no synchronisation.
/// </summary>
internal static class CpuGemm
{
    // Below this many multiply-adds a second thread costs more than it brings.
    private const long ParallelThreshold = 1L << 18;

    /// <summary>C (M×N, row-major) = alpha · A (M×K) · B (K×N) + beta · C; beta = 0 never reads C.</summary>
    public static void Multiply(int m, int n, int k, float alpha, GemmMatrix a, GemmMatrix b, float beta, GemmMatrix c)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            Multiply<GemmKernel512>(m, n, k, alpha, a, b, beta, c, Environment.ProcessorCount);
        }
        else
        {
            Multiply<GemmKernel256>(m, n, k, alpha, a, b, beta, c, Environment.ProcessorCount);
        }
    }

    /// <summary>
    /// Whether a product is too small to split over the cores: <see cref="Multiply(int, int, int, float, GemmMatrix, GemmMatrix, float, GemmMatrix)"/>
    /// runs it on one thread, so a batch of them may run side by side, one per thread, with the same results.
    /// </summary>
    public static bool RunsOnOneThread(int m, int n, int k) => (long)m * n * k < ParallelThreshold;

    /// <summary>
    /// Many products of one size that <see cref="RunsOnOneThread"/>, item(i) giving the operands of product i:
    /// one product per thread at a time, each as a single call would compute it.
    /// </summary>
    public static void MultiplyEach(int count, int m, int n, int k, float alpha, float beta, Func<int, (GemmMatrix A, GemmMatrix B, GemmMatrix C)> item)
    {
        int threads = (long)count * m * n * k < ParallelThreshold ? 1 : Environment.ProcessorCount;
        CpuWorkers.For(count, threads, i =>
        {
            var (a, b, c) = item(i);
            Multiply(m, n, k, alpha, a, b, beta, c);
        });
    }

    /// <summary>The same with a chosen micro-kernel and thread count (tests run every kernel).</summary>
    public static unsafe void Multiply<TKernel>(int m, int n, int k, float alpha, GemmMatrix a, GemmMatrix b, float beta, GemmMatrix c, int threads)
        where TKernel : struct, IGemmKernel
    {
        if (m <= 0 || n <= 0)
        {
            return;
        }
        System.Diagnostics.Debug.Assert(!c.Transposed, "C is row-major");
        fixed (float* pa = a.Data, pb = b.Data, pc = c.Data)
        {
            if (k <= 0 || alpha == 0f)
            {
                Scale(m, n, beta, pc + c.Offset, c.Ld);
                return;
            }
            var op = new GemmOperands(a.Transposed, pa + a.Offset, a.Ld, b.Transposed, pb + b.Offset, b.Ld, pc + c.Offset, c.Ld, k, alpha, beta);
            // A short C (dhᵀ·x, the weight gradient) streams B once through its own AVX2 path; measured
            // only against the 256-bit kernel, so AVX-512 machines keep theirs.
            if (typeof(TKernel) == typeof(GemmKernel256) && GemmSmallM.Suits(b.Transposed, m, n, k))
            {
                GemmSmallM.Run(op, m, n, (long)m * n * k < ParallelThreshold ? 1 : threads);
                return;
            }
            if (GemmSharedB<TKernel>.Suits(m, n, k, threads))
            {
                GemmSharedB<TKernel>.Run(op, m, n, threads);
                return;
            }
            var (tm, tn) = GemmPartition.Grid((long)m * n * k < ParallelThreshold ? 1 : threads, m, n, TKernel.MR, GemmPacking.NR);
            if (tm * tn == 1)
            {
                GemmDriver<TKernel>.Run(op, 0, m, 0, n);
                return;
            }
            int rowsPer = GemmPartition.Share(m, tm, TKernel.MR);
            int colsPer = GemmPartition.Share(n, tn, GemmPacking.NR);
            CpuWorkers.For(tm * tn, threads, t =>
            {
                int i0 = t / tn * rowsPer, j0 = t % tn * colsPer;
                if (i0 < m && j0 < n)
                {
                    GemmDriver<TKernel>.Run(op, i0, Math.Min(rowsPer, m - i0), j0, Math.Min(colsPer, n - j0));
                }
            });
        }
    }

    // C = beta · C, where beta = 0 writes zeros without reading C (which may hold NaN).
    private static unsafe void Scale(int m, int n, float beta, float* c, nint ldc)
    {
        for (int i = 0; i < m; i++)
        {
            var row = new Span<float>(c + (i * ldc), n);
            if (beta == 0f)
            {
                row.Clear();
            }
            else if (beta != 1f)
            {
                foreach (ref float x in row)
                {
                    x *= beta;
                }
            }
        }
    }
}
