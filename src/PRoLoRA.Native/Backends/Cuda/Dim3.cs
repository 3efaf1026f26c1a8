namespace PRoLoRA.Native.Backends.Cuda;

/// <summary>A grid or block size in CUDA's three dimensions.</summary>
/// <param name="X">Fastest dimension.</param>
/// <param name="Y">Second dimension.</param>
/// <param name="Z">Slowest dimension.</param>
internal readonly record struct Dim3(int X, int Y = 1, int Z = 1)
{
    /// <summary>X·Y·Z.</summary>
    public long Count => (long)X * Y * Z;

    /// <summary>"(x, y, z)".</summary>
    public override string ToString() => $"({X}, {Y}, {Z})";
}
