using System.Buffers;
using System.Runtime.CompilerServices;

namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>
/// One thread's share of a GEMM: the rectangle rows [i0, i0+mb) × columns [j0, j0+nb) of C, computed
/// with the classic loop nest around the micro-kernel: columns in blocks of NC, k in blocks of KC
/// (B block packed, L3/L2), rows in blocks of MC (A block packed, L2), then NR-wide B panels (L1)
/// against MR-row A panels.
/// </summary>
internal static unsafe class GemmDriver<TKernel>
    where TKernel : struct, IGemmKernel
{
    public static void Run(in GemmOperands op, int i0, int mb, int j0, int nb)
    {
        var blocks = GemmBlocking.For<TKernel>(mb, nb, op.K, op.TransA);
        int mr = TKernel.MR;
        int nr = TKernel.NR;
        // Slack of 16 floats to align both buffers to 64 bytes.
        int aFloats = (blocks.Mc * blocks.Kc) + 16;
        int bFloats = (blocks.Kc * GemmSizes.RoundUp(blocks.Nc, nr)) + 16;
        var aArray = ArrayPool<float>.Shared.Rent(aFloats);
        var bArray = ArrayPool<float>.Shared.Rent(bFloats);
        float* tile = stackalloc float[mr * nr];
        try
        {
            fixed (float* aPinned = aArray, bPinned = bArray)
            {
                float* aBuf = GemmSizes.Align64(aPinned);
                float* bBuf = GemmSizes.Align64(bPinned);
                for (int jc = 0; jc < nb; jc += blocks.Nc)
                {
                    int nc = Math.Min(blocks.Nc, nb - jc);
                    for (int pc = 0; pc < op.K; pc += blocks.Kc)
                    {
                        int kc = Math.Min(blocks.Kc, op.K - pc);
                        GemmPacking.PackB(op, pc, kc, j0 + jc, nc, bBuf, nr);
                        // Later k blocks add to what the first one wrote.
                        float beta = pc == 0 ? op.Beta : 1f;
                        for (int ic = 0; ic < mb; ic += blocks.Mc)
                        {
                            int mc = Math.Min(blocks.Mc, mb - ic);
                            Block(op, i0 + ic, mc, j0 + jc, nc, pc, kc, blocks.DirectA, aBuf, bBuf, tile, beta);
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(aArray);
            ArrayPool<float>.Shared.Return(bArray);
        }
    }

    // An MC×NC block of C over one KC slice: B is packed, A is packed here unless read in place.
    internal static void Block(in GemmOperands op, int i0, int mc, int j0, int nc, int pc, int kc, bool directA, float* aBuf, float* bBuf, float* tile, float beta)
    {
        int mr = TKernel.MR;
        int nr = TKernel.NR;
        int fullRows = directA ? mc - (mc % mr) : 0;
        // Panels that are packed: all of them, or only the ragged last one when A is read in place.
        GemmPacking.PackA(op.TransA, op.A, op.Lda, i0 + fullRows, mc - fullRows, pc, kc, mr, aBuf);
        // In place, A[i, p] is at a[i·rs + p·cs].
        nint rsA = op.TransA ? 1 : op.Lda;
        nint csA = op.TransA ? op.Lda : 1;
        float* aBlock = op.A + ((i0 * rsA) + (pc * csA));
        // Shallow k (h·Bᵀ) leaves the kernels writing C as fast as they compute it: go along C's rows
        // then, so C is written in a few long streams rather than a line in each of MC rows.
        bool rowsOuter = op.K <= 64;
        int panels = (nc + nr - 1) / nr, rowPanels = (mc + mr - 1) / mr;
        for (int outer = 0; outer < (rowsOuter ? rowPanels : panels); outer++)
        {
            for (int inner = 0; inner < (rowsOuter ? panels : rowPanels); inner++)
            {
                int jr = (rowsOuter ? inner : outer) * nr, ir = (rowsOuter ? outer : inner) * mr;
                int n = Math.Min(nr, nc - jr), m = Math.Min(mr, mc - ir);
                float* bPanel = bBuf + ((nint)jr * kc);
                // The next B panel may be in memory rather than cache: each kernel call on this one
                // asks for its share of the next panel's kc·nr/16 lines.
                bool fetch = !rowsOuter && jr + nr < nc;
                int panelLines = kc * nr / 16;
                int share = (panelLines + rowPanels - 1) / rowPanels, first = inner * share;
                float* next = bPanel + (nr * kc) + (first * 16);
                int lines = fetch ? Math.Clamp(panelLines - first, 0, share) : 0;
                float* c = op.C + ((nint)(i0 + ir) * op.Ldc) + j0 + jr;
                if (ir < fullRows)
                {
                    Tile(kc, aBlock + (ir * rsA), rsA, csA, bPanel, c, op.Ldc, m, n, op.Alpha, beta, tile, next, lines);
                }
                else
                {
                    Tile(kc, aBuf + ((nint)(ir - fullRows) * kc), 1, mr, bPanel, c, op.Ldc, m, n, op.Alpha, beta, tile, next, lines);
                }
            }
        }
    }

    // A full tile goes straight to C; a ragged one through a scratch tile, then only its valid part.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile(int kc, float* a, nint rsA, nint csA, float* b, float* c, nint ldc, int m, int n, float alpha, float beta, float* tile, float* next, int lines)
    {
        int nr = TKernel.NR;
        if (m == TKernel.MR && n == nr)
        {
            TKernel.Run(kc, a, rsA, csA, b, c, ldc, alpha, beta, next, lines);
            return;
        }
        TKernel.Run(kc, a, rsA, csA, b, tile, nr, alpha, 0f, next, lines);
        for (int i = 0; i < m; i++)
        {
            float* row = c + (i * ldc);
            float* t = tile + (i * nr);
            for (int j = 0; j < n; j++)
            {
                row[j] = beta == 0f ? t[j] : t[j] + (beta * row[j]);
            }
        }
    }
}
