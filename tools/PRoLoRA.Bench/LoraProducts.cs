namespace PRoLoRA.Bench;

/// <summary>
/// The matrix products one adapted linear runs per training step, with the operand layouts the tape
/// gives them (TapeOps.MatMul): row-major C (M×N) = op(A) (M×K) · op(B) (K×N), where a transposed
/// operand is a transposed view of a row-major matrix.
/// </summary>
internal static class LoraProducts
{
    /// <summary>One product.</summary>
    /// <param name="Label">What it computes.</param>
    /// <param name="M">Rows of C.</param>
    /// <param name="N">Columns of C.</param>
    /// <param name="K">Inner dimension.</param>
    /// <param name="TransA">op(A) is a transposed view (A stored K×M).</param>
    /// <param name="TransB">op(B) is a transposed view (B stored N×K).</param>
    public sealed record Product(string Label, int M, int N, int K, bool TransA, bool TransB);

    /// <summary>The base's two products and the adapter's six, for <paramref name="tokens"/> rows, in → out and rank r.</summary>
    public static IEnumerable<Product> Of(int tokens, int inFeatures, int outFeatures, int r)
    {
        yield return new("base y = x·Wᵀ", tokens, outFeatures, inFeatures, false, true);
        yield return new("base dx = dy·W", tokens, inFeatures, outFeatures, false, false);
        yield return new("h = x·Aᵀ", tokens, r, inFeatures, false, true);
        yield return new("delta = h·Bᵀ", tokens, outFeatures, r, false, true);
        yield return new("dh = dy·B", tokens, r, outFeatures, false, false);
        yield return new("dB = dyᵀ·h", outFeatures, r, tokens, true, false);
        yield return new("dA = dhᵀ·x", r, inFeatures, tokens, true, false);
        yield return new("dx += dh·A", tokens, inFeatures, r, false, false);
    }
}
