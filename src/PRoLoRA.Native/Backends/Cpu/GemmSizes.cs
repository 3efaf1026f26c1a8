namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>Rounding helpers the GEMM paths share for tile counts and 64-byte-aligned buffers.</summary>
internal static unsafe class GemmSizes
{
    /// <summary><paramref name="x"/> rounded up to a multiple of <paramref name="to"/>.</summary>
    public static int RoundUp(int x, int to) => (x + to - 1) / to * to;

    /// <summary>The first 64-byte boundary at or after <paramref name="p"/> (buffers are rented 16 floats long for it).</summary>
    public static float* Align64(float* p) => (float*)(((nint)p + 63) & ~(nint)63);
}
