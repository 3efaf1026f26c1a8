using System.Runtime.Intrinsics;
using PRoLoRA.Native.Quantization;

namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>
/// Row-major single-precision GEMM on the CPU: C = alpha · op(A) · op(B) + beta · C.
/// Packed and register-tiled (on AVX-512 <see cref="GemmKernel512x32"/> or <see cref="GemmKernel512"/> by
/// shape, see <see cref="KernelFor"/>; <see cref="GemmKernel256"/> otherwise). Short C (m ≤ 32) goes to <see cref="GemmSmallM"/>, large products to
/// <see cref="GemmSharedB{TKernel}"/> (threads share packed B, each packing and computing its own range of
/// columns first, then taking what is left),
/// the rest is split over the cores in rectangles of C that need no synchronisation. A quantised B
/// (bf16, NF4) takes the same paths, widened to float32 where each packs or copies it.
/// </summary>
internal static class CpuGemm
{
    // Below this many multiply-adds a second thread costs more than it brings.
    private const long ParallelThreshold = 1L << 18;

    /// <summary>C (M×N, row-major) = alpha · A (M×K) · B (K×N) + beta · C; beta = 0 never reads C.</summary>
    public static void Multiply(int m, int n, int k, float alpha, GemmMatrix a, GemmMatrix b, float beta, GemmMatrix c)
    {
        int threads = Environment.ProcessorCount;
        switch (KernelFor(b.Transposed, m, n, k))
        {
            case GemmKernelKind.Avx512x32:
                Multiply<GemmKernel512x32>(m, n, k, alpha, a, b, beta, c, threads);
                break;
            case GemmKernelKind.Avx512:
                Multiply<GemmKernel512>(m, n, k, alpha, a, b, beta, c, threads);
                break;
            default:
                Multiply<GemmKernel256>(m, n, k, alpha, a, b, beta, c, threads);
                break;
        }
    }

    /// <summary>
    /// The micro-kernel the default entry points run a shape on: the AVX2 one (and its GemmSmallM path)
    /// without AVX-512. With it, measured on an AMD EPYC with AVX-512 (2 threads, medians of 9
    /// interleaved rounds, GFLOP/s 12×32 / 16×16 / GemmSmallM): 12×32 on the base products
    /// (2048×4096×4096 y = x·Wᵀ 335 / 255, dx = dy·W 314 / 253; 1024³ 301 / 242) and on the LoRA
    /// products with n ≥ 32 or shallow k (h·Bᵀ r 8–32 145–300 / 86–219, x·Aᵀ r 32 350 / 206, dyᵀ·h
    /// r 32 109 / 98); 16×16 where n ≤ 16, as half of a 32-wide panel would be padding (x·Aᵀ r 16
    /// 160 / 206, r 8 80 / 98); a short C (dhᵀ·x, m ≤ 32) keeps GemmSmallM, faster than both
    /// (r 8, 16, 32: 42, 85, 119 / 36, 112, 147 / 95, 141, 157).
    /// </summary>
    internal static GemmKernelKind KernelFor(bool transB, int m, int n, int k)
    {
        if (!Vector512.IsHardwareAccelerated || GemmSmallM.Suits(transB, m, n, k))
        {
            return GemmKernelKind.Avx2;
        }
        return n <= 16 ? GemmKernelKind.Avx512 : GemmKernelKind.Avx512x32;
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

    /// <summary>
    /// C (M×N) = alpha · A (M×K) · op(B) + beta · C with B a quantised matrix: the whole stored matrix
    /// (K×N), or its transpose when <paramref name="transB"/> (the stored matrix is N×K). B is widened
    /// to float32 a few rows at a time while it is packed; the result is that of the float32 product
    /// on <see cref="QuantizedMatrix.Dequantize()"/>, bit for bit.
    /// </summary>
    public static void Multiply(int m, int n, int k, float alpha, GemmMatrix a, QuantizedMatrix b, bool transB, float beta, GemmMatrix c)
    {
        int threads = Environment.ProcessorCount;
        switch (KernelFor(transB, m, n, k))
        {
            case GemmKernelKind.Avx512x32:
                Multiply<GemmKernel512x32>(m, n, k, alpha, a, b, transB, beta, c, threads);
                break;
            case GemmKernelKind.Avx512:
                Multiply<GemmKernel512>(m, n, k, alpha, a, b, transB, beta, c, threads);
                break;
            default:
                Multiply<GemmKernel256>(m, n, k, alpha, a, b, transB, beta, c, threads);
                break;
        }
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
            Run<TKernel>(new GemmOperands(a.Transposed, pa + a.Offset, a.Ld, b.Transposed, pb + b.Offset, b.Ld, pc + c.Offset, c.Ld, k, alpha, beta), m, n, threads);
        }
    }

    /// <summary>The quantised product with a chosen micro-kernel and thread count.</summary>
    public static unsafe void Multiply<TKernel>(int m, int n, int k, float alpha, GemmMatrix a, QuantizedMatrix b, bool transB, float beta, GemmMatrix c, int threads)
        where TKernel : struct, IGemmKernel
    {
        System.Diagnostics.Debug.Assert(transB ? b.Rows == n && b.Cols == k : b.Rows == k && b.Cols == n, "B is the whole stored matrix or its transpose");
        if (m <= 0 || n <= 0)
        {
            return;
        }
        System.Diagnostics.Debug.Assert(!c.Transposed, "C is row-major");
        var nf4 = b.Nf4;
        var dq = nf4?.QuantizedAbsmax;
        // Pinned for the whole call; the packing reads them through GemmQuantizedB.
        fixed (float* pa = a.Data, pc = c.Data)
        fixed (ushort* bits = b.BFloat16Bits)
        fixed (byte* packed = nf4?.Packed, codes = dq?.Codes)
        fixed (float* absmax = nf4?.Absmax, nested = dq?.NestedAbsmax, map = dq?.Map)
        {
            var source = nf4 is null ? GemmQuantizedB.BFloat16(bits)
                : dq is null ? GemmQuantizedB.Nf4(packed, nf4.BlockSize, absmax)
                : GemmQuantizedB.Nf4DoubleQuant(packed, nf4.BlockSize, codes, nested, map, dq.Offset, dq.BlockSize);
            Run<TKernel>(new GemmOperands(a.Transposed, pa + a.Offset, a.Ld, transB, null, b.Cols, pc + c.Offset, c.Ld, k, alpha, beta, source), m, n, threads);
        }
    }

    // Picks the path for the shape (see the class summary).
    private static unsafe void Run<TKernel>(in GemmOperands op, int m, int n, int threads)
        where TKernel : struct, IGemmKernel
    {
        int k = op.K;
        if (k <= 0 || op.Alpha == 0f)
        {
            Scale(m, n, op.Beta, op.C, op.Ldc);
            return;
        }
        // A short C (dhᵀ·x, the weight gradient) streams B once through its own AVX2 path (the default
        // entry points send it here on AVX-512 hosts too: see KernelFor).
        if (typeof(TKernel) == typeof(GemmKernel256) && GemmSmallM.Suits(op.TransB, m, n, k))
        {
            GemmSmallM.Run(op, m, n, (long)m * n * k < ParallelThreshold ? 1 : threads);
            return;
        }
        if (GemmSharedB<TKernel>.Suits(m, n, k, threads))
        {
            GemmSharedB<TKernel>.Run(op, m, n, threads);
            return;
        }
        var (tm, tn) = GemmPartition.Grid((long)m * n * k < ParallelThreshold ? 1 : threads, m, n, TKernel.MR, TKernel.NR);
        if (tm * tn == 1)
        {
            GemmDriver<TKernel>.Run(op, 0, m, 0, n);
            return;
        }
        int rowsPer = GemmPartition.Share(m, tm, TKernel.MR);
        int colsPer = GemmPartition.Share(n, tn, TKernel.NR);
        var o = op;
        CpuWorkers.For(tm * tn, threads, t =>
        {
            int i0 = t / tn * rowsPer, j0 = t % tn * colsPer;
            if (i0 < m && j0 < n)
            {
                GemmDriver<TKernel>.Run(o, i0, Math.Min(rowsPer, m - i0), j0, Math.Min(colsPer, n - j0));
            }
        });
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
