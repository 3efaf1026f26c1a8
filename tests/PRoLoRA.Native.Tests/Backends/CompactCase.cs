namespace PRoLoRA.Native.Tests.BackendParity;

/// <summary>
/// One configuration of the compact products: in, out, rank r, unshared rank u, sharing rates m
/// and n, the rows of x, and the shifts (null: the paper's default max(floor(rs/m), 1); 0: rotation off).
/// </summary>
public sealed record CompactCase(int In, int Out, int R, int U, int M, int N, int Rows, int? ShiftAOverride = null, int? ShiftBOverride = null)
{
    /// <summary>Shared ranks.</summary>
    public int Rs => R - U;

    /// <summary>Chunk width of A, ceil(in / m).</summary>
    public int CsA => (In + M - 1) / M;

    /// <summary>Chunk width of B, ceil(out / n).</summary>
    public int CsB => (Out + N - 1) / N;

    /// <summary>The shift of A passed to the ops.</summary>
    public int ShiftA => ShiftAOverride ?? Math.Max(Rs / M, 1);

    /// <summary>The shift of B passed to the ops.</summary>
    public int ShiftB => ShiftBOverride ?? Math.Max(Rs / N, 1);

    /// <inheritdoc/>
    public override string ToString() => $"in={In} out={Out} r={R} u={U} m={M} n={N} rows={Rows} shifts={ShiftA},{ShiftB}";

    /// <summary>Ragged dims, u = 0, u = r, m = n = 1, fewer copies than m, one row and many, rotation off, shifts past rs.</summary>
    public static IEnumerable<CompactCase> All() =>
    [
        new(20, 13, 8, 1, 7, 3, 5),        // ragged in and out
        new(16, 16, 8, 0, 4, 4, 1),        // u = 0, one row, whole slices
        new(10, 12, 4, 4, 3, 2, 6),        // u = r: plain LoRA
        new(9, 11, 4, 1, 1, 1, 3),         // m = n = 1
        new(9, 10, 6, 2, 4, 4, 7),         // in = 9, m = 4: 3 copies of 3; out ragged to a last slice of 1
        new(64, 48, 16, 2, 8, 4, 64),      // many rows
        new(12, 12, 6, 2, 3, 3, 4, 0, 0),  // rotation off
        new(11, 13, 5, 1, 2, 3, 2, 13, 7), // shifts larger than rs
        new(7, 7, 1, 0, 7, 7, 3),          // rs = 1, chunk width 1
        new(33, 70, 8, 1, 7, 7, 1),        // ragged, one row (decode)
    ];
}
