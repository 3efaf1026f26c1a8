namespace PRoLoRA.Native.Autograd;

/// <summary>
/// The sizes of one <see cref="TapeOps.Attention"/>: q is (Batch·Queries × Heads·HeadDim), k and v are
/// (Batch·Keys × KvHeads·HeadDim), all token-major (a batch element's tokens one after another, a
/// token's heads side by side). Query head h reads kv head h / (Heads / KvHeads) (grouped-query
/// attention; KvHeads = Heads is multi-head attention). Keys 0 .. Keys − 1 are absolute positions and
/// query q sits at QueryOffset + q: with a KV cache, Keys = QueryOffset + Queries.
/// </summary>
/// <param name="Batch">Batch elements.</param>
/// <param name="Queries">Query tokens per batch element.</param>
/// <param name="Keys">Key (and value) tokens per batch element.</param>
/// <param name="Heads">Query heads.</param>
/// <param name="KvHeads">Key/value heads; divides Heads.</param>
/// <param name="HeadDim">Width of a head.</param>
/// <param name="QueryOffset">Absolute position of the first query.</param>
/// <param name="KeyMask">(Batch × Keys), nonzero where a key may be attended to (padding is 0); null attends to every key the causal mask allows.</param>
public sealed record AttentionShape(int Batch, int Queries, int Keys, int Heads, int KvHeads, int HeadDim, int QueryOffset = 0, int[]? KeyMask = null);
