namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>
/// A stored matrix as <see cref="CpuGemm"/> reads it: element [i, j] at Data[Offset + i·Ld + j], or,
/// when Transposed (a transposed view of a row-major matrix), at Data[Offset + j·Ld + i].
/// </summary>
/// <param name="Data">The array that holds it.</param>
/// <param name="Offset">Where element [0, 0] is.</param>
/// <param name="Ld">Leading dimension: the stride between rows (between columns when transposed).</param>
/// <param name="Transposed">Stored column by column.</param>
internal readonly record struct GemmMatrix(float[] Data, long Offset, int Ld, bool Transposed = false);
