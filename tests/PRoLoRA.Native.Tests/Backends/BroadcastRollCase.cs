namespace PRoLoRA.Native.Tests.BackendParity;

/// <summary>
/// One broadcast-roll configuration: rank r, unshared rank u, the broadcast dimension (in for A,
/// out for B), the sharing rate and the shift (null: the paper's default max(floor(rs/m), 1);
/// 0: rotation off).
/// </summary>
public sealed record BroadcastRollCase(int R, int U, int Dim, int Sharing, int? ShiftOverride)
{
    /// <summary>Shared ranks.</summary>
    public int Rs => R - U;

    /// <summary>Chunk width ceil(dim / sharing).</summary>
    public int Cs => (Dim + Sharing - 1) / Sharing;

    /// <summary>The shift passed to the op.</summary>
    public int Shift => ShiftOverride ?? Math.Max(Rs / Sharing, 1);

    /// <inheritdoc/>
    public override string ToString() => $"r={R} u={U} dim={Dim} m={Sharing} shift={Shift}";

    /// <summary>The configurations every backend runs: ragged copies, u = 0, u = r, rotation off, shift overrides, m = 1.</summary>
    public static IEnumerable<BroadcastRollCase> All() =>
    [
        new(8, 1, 20, 7, null),   // ragged: 7 copies of width 3 cut at 20
        new(8, 0, 16, 4, null),   // u = 0
        new(4, 4, 10, 3, null),   // u = r: plain LoRA, no chunk
        new(6, 2, 12, 3, 0),      // rotation off
        new(5, 1, 11, 2, 13),     // shift override larger than rs
        new(4, 1, 9, 1, null),    // m = 1: one copy
        new(1, 0, 7, 7, null),    // rs = 1, chunk width 1
        new(8, 1, 10, 3, 3),      // ragged last copy of 2 columns
        new(7, 2, 13, 4, 2),      // ragged, shift 2
        new(4, 0, 7, 7, 0),       // one column per copy, rotation off
        new(3, 3, 6, 2, 1),       // u = r with a shift given
    ];
}
