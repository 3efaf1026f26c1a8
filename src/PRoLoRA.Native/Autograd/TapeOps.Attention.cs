using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Autograd;

/// <summary>
/// Causal scaled dot-product attention with grouped-query heads, on strided head views: head h of a
/// token-major (T × H·D) matrix is the T×D view at column h·D with row stride H·D, so the heads are a
/// batch of products a stride of D apart (<see cref="Backends.IBackend.GemmStridedBatched"/>).
/// Grouped-query attention loops over the members j of a group (query heads j, j + g, ... with
/// g = Heads / KvHeads, a query stride of g·D against a kv stride of D), one batched product per batch
/// element and member; k and v are never copied per head, and their gradients add up over the members
/// with beta = 1.
/// </summary>
public static partial class TapeOps
{
    /// <summary>
    /// softmax(q·kᵀ / sqrt(HeadDim) + causal and key masks) · v per batch element and head; output
    /// (Batch·Queries × Heads·HeadDim), shaped as q. See <see cref="AttentionShape"/> for the layouts.
    /// </summary>
    public static Variable Attention(this Tape tape, Variable q, Variable k, Variable v, AttentionShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var be = tape.Backend;
        var heads = new AttentionHeads(shape, CheckedMatrix(q, shape.Batch * shape.Queries, shape.Heads, shape, nameof(q)),
            CheckedMatrix(k, shape.Batch * shape.Keys, shape.KvHeads, shape, nameof(k)), CheckedMatrix(v, shape.Batch * shape.Keys, shape.KvHeads, shape, nameof(v)));
        var probabilities = tape.Scratch(new Shape(shape.Batch * shape.Heads * shape.Queries, shape.Keys));
        var output = tape.Result(be.Empty(q.Shape), q.RequiresGrad || k.RequiresGrad || v.RequiresGrad, "attention");
        var o = output.Value.Reshape(heads.Q.Shape.ToArray());
        heads.ForEach((b, j) => heads.Product(be, heads.Query(heads.Q, b, j), heads.QueryStride, heads.Kv(heads.K, b).T, heads.KvStride,
            heads.Scores(probabilities, b, j), heads.ScoresStride, heads.Scale, 0f));
        be.CausalSoftmax(probabilities, shape.Queries, shape.QueryOffset, shape.Heads * shape.Queries, shape.KeyMask ?? [], probabilities);
        heads.ForEach((b, j) => heads.Product(be, heads.Scores(probabilities, b, j), heads.ScoresStride, heads.Kv(heads.V, b), heads.KvStride,
            heads.Query(o, b, j), heads.QueryStride, 1f, 0f));
        tape.Record(output, g => AttentionBackward(tape, q, k, v, heads, probabilities, g.Reshape(heads.Q.Shape.ToArray())));
        return output;
    }

    /// <summary>
    /// Accumulates the gradients of q, k and v from dO: dV += Pᵀ·dO; dP = dO·Vᵀ; dS = softmax'(dP);
    /// dQ += scale·dS·K; dK += scale·dSᵀ·Q (per head, summed over each kv head's group).
    /// </summary>
    private static void AttentionBackward(Tape tape, Variable q, Variable k, Variable v, AttentionHeads heads, Tensor probabilities, Tensor dO)
    {
        var be = tape.Backend;
        if (v.RequiresGrad)
        {
            var dV = Matrix(tape.GradOf(v), heads.V.Shape);
            heads.ForEach((b, j) => heads.Product(be, heads.Scores(probabilities, b, j).T, heads.ScoresStride, heads.Query(dO, b, j), heads.QueryStride,
                heads.Kv(dV, b), heads.KvStride, 1f, 1f));
        }
        if (!q.RequiresGrad && !k.RequiresGrad)
        {
            return;
        }
        var dScores = tape.Scratch(probabilities.Shape);
        heads.ForEach((b, j) => heads.Product(be, heads.Query(dO, b, j), heads.QueryStride, heads.Kv(heads.V, b).T, heads.KvStride,
            heads.Scores(dScores, b, j), heads.ScoresStride, 1f, 0f));
        be.CausalSoftmaxBackward(probabilities, dScores, dScores);
        if (q.RequiresGrad)
        {
            var dQ = Matrix(tape.GradOf(q), heads.Q.Shape);
            heads.ForEach((b, j) => heads.Product(be, heads.Scores(dScores, b, j), heads.ScoresStride, heads.Kv(heads.K, b), heads.KvStride,
                heads.Query(dQ, b, j), heads.QueryStride, heads.Scale, 1f));
        }
        if (k.RequiresGrad)
        {
            var dK = Matrix(tape.GradOf(k), heads.K.Shape);
            heads.ForEach((b, j) => heads.Product(be, heads.Scores(dScores, b, j).T, heads.ScoresStride, heads.Query(heads.Q, b, j), heads.QueryStride,
                heads.Kv(dK, b), heads.KvStride, heads.Scale, 1f));
        }
    }

    /// <summary>x's value as the (rows × heads·HeadDim) matrix the shape asks for, after checking the shape's sizes and x's element count.</summary>
    private static Tensor CheckedMatrix(Variable x, int rows, int heads, AttentionShape shape, string name)
    {
        if (shape.Batch < 1 || shape.Queries < 1 || shape.Keys < 1 || shape.Heads < 1 || shape.HeadDim < 1 || shape.QueryOffset < 0
            || shape.KvHeads < 1 || shape.Heads % shape.KvHeads != 0)
        {
            throw new ArgumentException($"attention: {shape} needs positive sizes, KvHeads dividing Heads and QueryOffset >= 0", nameof(shape));
        }
        if (shape.KeyMask is { } mask && mask.Length != shape.Batch * shape.Keys)
        {
            throw new ArgumentException($"attention: KeyMask has {mask.Length} entries, expected Batch·Keys = {shape.Batch * shape.Keys}", nameof(shape));
        }
        return Matrix(x.Value, new Shape(rows, heads * shape.HeadDim), name);
    }

    /// <summary>A contiguous tensor of <paramref name="shape"/>'s element count seen as that shape.</summary>
    private static Tensor Matrix(Tensor t, Shape shape, string name = "gradient")
    {
        if (t.Count != shape.Count || !t.IsContiguous)
        {
            throw new ArgumentException($"attention: {name} has shape {t.Shape}{(t.IsContiguous ? string.Empty : " (not contiguous)")}, expected {shape}", name);
        }
        return t.Shape == shape ? t : t.Reshape(shape.ToArray());
    }

    /// <summary>The head views and strides of one attention (batch b, group member j: query heads j, j + g, ...; kv heads 0, 1, ...).</summary>
    private sealed class AttentionHeads(AttentionShape shape, Tensor q, Tensor k, Tensor v)
    {
        private readonly int _group = shape.Heads / shape.KvHeads;

        public Tensor Q { get; } = q;

        public Tensor K { get; } = k;

        public Tensor V { get; } = v;

        public float Scale { get; } = 1f / MathF.Sqrt(shape.HeadDim);

        /// <summary>From the query head of one kv head to that of the next: g heads along the row.</summary>
        public long QueryStride => (long)_group * shape.HeadDim;

        /// <summary>From one kv head to the next along the row.</summary>
        public long KvStride => shape.HeadDim;

        /// <summary>From one score matrix (Queries × Keys) of a group member to the same member's in the next group.</summary>
        public long ScoresStride => (long)_group * shape.Queries * shape.Keys;

        /// <summary>Runs body(b, j) for every batch element b and group member j.</summary>
        public void ForEach(Action<int, int> body)
        {
            for (int b = 0; b < shape.Batch; b++)
            {
                for (int j = 0; j < _group; j++)
                {
                    body(b, j);
                }
            }
        }

        /// <summary>Query head j of batch element b in a (Batch·Queries × Heads·HeadDim) matrix: Queries × HeadDim.</summary>
        public Tensor Query(Tensor t, int b, int j) => Head(t, shape.Queries, shape.Heads, b, j);

        /// <summary>kv head 0 of batch element b in a (Batch·Keys × KvHeads·HeadDim) matrix: Keys × HeadDim.</summary>
        public Tensor Kv(Tensor t, int b) => Head(t, shape.Keys, shape.KvHeads, b, 0);

        /// <summary>The score matrix of query head j of batch element b in the (Batch·Heads·Queries × Keys) scores: Queries × Keys.</summary>
        public Tensor Scores(Tensor t, int b, int j)
            => t.View(new Shape(shape.Queries, shape.Keys), [shape.Keys, 1], ((long)b * shape.Heads + j) * shape.Queries * shape.Keys);

        /// <summary>The products of the KvHeads heads that one (b, j) pairs up.</summary>
        public void Product(Backends.IBackend be, Tensor a, long strideA, Tensor b, long strideB, Tensor c, long strideC, float alpha, float beta)
            => be.GemmStridedBatched(shape.KvHeads, a, strideA, b, strideB, c, strideC, alpha, beta);

        private Tensor Head(Tensor t, int tokens, int heads, int b, int head)
            => t.View(new Shape(tokens, shape.HeadDim), [heads * shape.HeadDim, 1], (((long)b * tokens * heads) + head) * shape.HeadDim);
    }
}
