namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>Cache blocking for one thread's share of a GEMM (sizes in elements).</summary>
/// <param name="Kc">Depth of a packed slice: a kc×16 B panel stays in L1.</param>
/// <param name="Nc">Columns of a packed B block.</param>
/// <param name="DirectA">Whether full A panels are read in place instead of packed.</param>
internal readonly record struct GemmBlocking(int Kc, int Nc, bool DirectA)
{
    public static GemmBlocking For<TKernel>(int m, int n, int k, bool transA)
        where TKernel : struct, IGemmKernel
    {
        int nPadded = (n + 15) / 16 * 16;
        // Skinny n (x·Aᵀ in LoRA): each A panel meets only one or two B panels, so packing A costs
        // more than it saves; read it in place and take deep k slices so long runs of A stream.
        // Small k (h·Bᵀ): an A panel is a few cache lines, read in place as cheaply as packed.
        bool skinnyN = n <= 32;
        bool directA = (skinnyN && !transA) || k <= 32;
        int kc = skinnyN ? Math.Max(256, 65536 / nPadded) : 256;
        kc = Env("GEMM_KC", kc);
        kc = Math.Min(kc, Math.Max(k, 1));
        int nc = Math.Min(nPadded, Math.Max(16, (1 << 20) / kc / 16 * 16));
        nc = Math.Min(nPadded, Env("GEMM_NC", nc));
        directA = Env("GEMM_DIRECT", directA ? 1 : 0) == 1;
        return new GemmBlocking(kc, nc, directA);
    }

    // TODO remove: tuning knobs.
    private static int Env(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out int v) ? v : fallback;
}
