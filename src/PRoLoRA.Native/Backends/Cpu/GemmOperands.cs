namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>
/// A GEMM's operands as pinned pointers at element [0, 0] of the stored A, B and C. A quantised B
/// has no float pointer (B is null): <see cref="QuantizedB"/> is read through its flat element index
/// p·Ldb + j (j·Ldb + p when transposed), Ldb being the stored matrix's column count.
/// </summary>
internal readonly unsafe struct GemmOperands(bool transA, float* a, nint lda, bool transB, float* b, nint ldb, float* c, nint ldc, int k, float alpha, float beta, GemmQuantizedB quantizedB = default)
{
    public readonly bool TransA = transA;
    public readonly float* A = a;
    public readonly nint Lda = lda;
    public readonly bool TransB = transB;
    public readonly float* B = b;
    public readonly nint Ldb = ldb;
    public readonly float* C = c;
    public readonly nint Ldc = ldc;
    public readonly int K = k;
    public readonly float Alpha = alpha;
    public readonly float Beta = beta;
    public readonly GemmQuantizedB QuantizedB = quantizedB;
}
