using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends;

/// <summary>
/// One adapter's compact tensors for <see cref="IBackend.CompactRowsDeltaMany"/>: chunkA (rs×csA), vecA (u×in),
/// chunkB (csB×rs), vecB (u×out), their shifts, and the scale of its delta.
/// </summary>
/// <param name="ChunkA">The shared chunk of A.</param>
/// <param name="VecA">The unshared rows of A.</param>
/// <param name="ShiftA">The roll of A's copies.</param>
/// <param name="ChunkB">The shared chunk of B.</param>
/// <param name="VecB">The unshared columns of B, stored as rows.</param>
/// <param name="ShiftB">The roll of B's copies.</param>
/// <param name="Alpha">The delta's scale (the adapter's scaling).</param>
public readonly record struct CompactOperands(Tensor ChunkA, Tensor VecA, int ShiftA, Tensor ChunkB, Tensor VecB, int ShiftB, float Alpha);
