using PRoLoRA.Native.Quantization;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends;

/// <summary>
/// The op contract every backend implements (CPU, CUDA). Ops write into tensors the caller
/// allocated, so a training step allocates nothing on the hot path. Unless an op says otherwise,
/// tensors are float32, on this backend and contiguous; every op checks shapes and throws an
/// <see cref="ArgumentException"/> that names the offending argument. A quantised frozen weight
/// (<see cref="FromQuantized"/>) goes only where an op says so: as b of <see cref="Gemm"/>, and as the
/// source of <see cref="Copy"/> and <see cref="CopyToHost"/>.
/// </summary>
public interface IBackend : IDisposable
{
    /// <summary>Short name, for example "cpu" or "cuda:0 (NVIDIA H200)".</summary>
    string Name { get; }

    /// <summary>Where this backend's tensors live.</summary>
    DeviceKind Kind { get; }

    /// <summary>A new tensor with unspecified contents.</summary>
    Tensor Empty(Shape shape);

    /// <summary>A new tensor of zeros.</summary>
    Tensor Zeros(Shape shape);

    /// <summary>A new tensor holding a copy of row-major host data.</summary>
    Tensor FromArray(ReadOnlySpan<float> data, Shape shape);

    /// <summary>
    /// A new tensor (rows × cols) holding a frozen weight in its quantised storage (bfloat16 or NF4, see
    /// <see cref="Tensor.DType"/>), which stays quantised on this backend: <see cref="Gemm"/> takes it (or
    /// its transpose) as b and widens it piece by piece, the copies widen it to float32; every other op
    /// refuses it.
    /// </summary>
    Tensor FromQuantized(QuantizedMatrix matrix);

    /// <summary>Copies any view (strided or not) to row-major host memory; a quantised src (the whole matrix or its transpose) is widened to float32.</summary>
    void CopyToHost(Tensor src, Span<float> dst);

    /// <summary>Copies row-major host data into a contiguous tensor.</summary>
    void CopyFromHost(ReadOnlySpan<float> src, Tensor dst);

    /// <summary>dst = src; src may be any 2-D view (a transpose is materialised), or a quantised matrix or its transpose (widened to float32); dst is contiguous.</summary>
    void Copy(Tensor src, Tensor dst);

    /// <summary>Waits until all queued work is done (no-op on the CPU).</summary>
    void Synchronize();

    /// <summary>
    /// c = alpha · a·b + beta · c, with a (M×K), b (K×N), c (M×N). a and b may be transposed views
    /// (unit stride along either dimension); c is contiguous. beta = 1 accumulates in place. b may be a
    /// quantised frozen weight (<see cref="FromQuantized"/>), the whole matrix or its transpose: y = x·Wᵀ
    /// and dx = dy·W with W stored in bfloat16 or NF4, computed in float32 from its widened values.
    /// </summary>
    void Gemm(Tensor a, Tensor b, Tensor c, float alpha = 1f, float beta = 0f);

    /// <summary>
    /// A batch of products: for i in [0, batch), c_i = alpha · a_i·b_i + beta · c_i, where a (M×K),
    /// b (K×N) and c (M×N) are the matrix views of item 0 and item i lies i·stride elements further
    /// in the same storage (a_i starts i·<paramref name="strideA"/> after a, and so on). a and b may
    /// be transposed views (unit stride along either dimension) and a stride may be 0 (every item
    /// reads the same matrix); c is row-major with any row stride ≥ N, and its items must not overlap
    /// (each starts after the previous one's last element, or they sit side by side within c's rows:
    /// the heads of a token-major (T × H·D) matrix are T×D views a stride of D apart). Every item lies
    /// inside its tensor's storage. beta = 0 does not read c.
    /// </summary>
    void GemmStridedBatched(int batch, Tensor a, long strideA, Tensor b, long strideB, Tensor c, long strideC, float alpha = 1f, float beta = 0f);

    /// <summary>
    /// Broadcast-with-roll: full (r×dim) from chunk (rs×cs) and vec (u×dim), r = rs + u:
    /// full[i, p] = chunk[(i + k·shift) mod rs, p mod cs] with k = p div cs for i &lt; rs, and
    /// full[rs + t, p] = vec[t, p]. chunk and full may be transposed views, which is how B is built:
    /// Bᵀ = BroadcastRoll(chunk_bᵀ, vec_b).
    /// </summary>
    void BroadcastRoll(Tensor chunk, Tensor vec, Tensor full, int shift);

    /// <summary>
    /// Gradient of <see cref="BroadcastRoll"/>: dChunk = beta·dChunk + Σ_k dFull[(q − k·shift) mod rs, k·cs + j]
    /// over the copies k that exist (the last one may be ragged); dVec = beta·dVec + dFull[rs + t, :].
    /// Views as in <see cref="BroadcastRoll"/>.
    /// </summary>
    void BroadcastRollGrad(Tensor dFull, Tensor dChunk, Tensor dVec, int shift, float beta);

    /// <summary>
    /// Roll-reduce, the second step of PRoLoRA's compact shrink x·Aᵀ (docs/method.md): h (N×rs) from
    /// p (N·copies × rs), whose rows i·copies … i·copies + copies − 1 belong to row i of h:
    /// h[i, q] = beta·h[i, q] + Σ_{k &lt; copies} p[i·copies + k, (q + k·shift) mod rs].
    /// p and h are contiguous; copies ≥ 1, shift ≥ 0; beta = 0 does not read h. The adjoint of <see cref="RollSpread"/>.
    /// </summary>
    void RollReduce(Tensor p, Tensor h, int copies, int shift, float beta);

    /// <summary>
    /// Roll-spread, the first step of PRoLoRA's compact expand h·Bᵀ: g (N·copies × rs) from h (N×rs),
    /// each row of h written copies times, copy k rolled by k·shift:
    /// g[i·copies + k, q] = h[i, (q − k·shift) mod rs]. Contiguous operands; copies ≥ 1, shift ≥ 0.
    /// The adjoint of <see cref="RollReduce"/>.
    /// </summary>
    void RollSpread(Tensor h, Tensor g, int copies, int shift);

    /// <summary>
    /// One PRoLoRA adapter's delta on chosen rows, straight from its compact tensors (decode with many
    /// adapters, a gather-multiply per row as Punica's BGMV; A and B never built): for each row r of
    /// <paramref name="rows"/>, y[r, :] += alpha · (x[r, :]·Aᵀ)·Bᵀ, where A (r×in) is
    /// BroadcastRoll(chunkA, vecA, shiftA) and Bᵀ (r×out) is BroadcastRoll(chunkBᵀ, vecB, shiftB). x (N×in),
    /// y (N×out), chunkA (rs×csA), vecA (u×in), chunkB (csB×rs), vecB (u×out), all contiguous; the last
    /// slices may be cut (in ≤ copies·csA); rows distinct, in [0, N); shifts ≥ 0.
    /// </summary>
    void CompactRowsDelta(Tensor x, ReadOnlySpan<int> rows, Tensor chunkA, Tensor vecA, int shiftA, Tensor chunkB, Tensor vecB, int shiftB, Tensor y, float alpha);

    /// <summary>
    /// <see cref="CompactRowsDelta"/> for many adapters in one call (one launch on a GPU, the BGMV of a decode
    /// step): row rows[i] of y gains the delta of adapters[rowAdapter[i]] on row rows[i] of x. Each adapter's
    /// operands obey <see cref="CompactRowsDelta"/>'s rules; rows distinct, in [0, N); rowAdapter as long as rows,
    /// each in [0, adapters.Count).
    /// </summary>
    void CompactRowsDeltaMany(Tensor x, ReadOnlySpan<int> rows, ReadOnlySpan<int> rowAdapter, IReadOnlyList<CompactOperands> adapters, Tensor y);

    /// <summary>Sets every element to <paramref name="value"/>.</summary>
    void Fill(Tensor x, float value);

    /// <summary>y = alpha · x + beta · y (same shape).</summary>
    void Axpby(float alpha, Tensor x, float beta, Tensor y);

    /// <summary>output = a ⊙ b (same shape; output may alias an input).</summary>
    void Mul(Tensor a, Tensor b, Tensor output);

    /// <summary>
    /// Inverted dropout with a counter-based RNG (<see cref="DropoutRng"/>), the same on every backend:
    /// mask[i] = keep(seed, i) ? 1/(1−p) : 0, output = x ⊙ mask. p in [0, 1).
    /// </summary>
    void Dropout(Tensor x, float p, ulong seed, Tensor mask, Tensor output);

    /// <summary>output[i, j] = x[i, j] + bias[j]; x and output (N×D), bias (D).</summary>
    void AddRowVector(Tensor x, Tensor bias, Tensor output);

    /// <summary>output[j] = beta · output[j] + Σ_i x[i, j]; x (N×D), output (D). The bias gradient.</summary>
    void SumRows(Tensor x, Tensor output, float beta);

    /// <summary>output = max(x, 0).</summary>
    void Relu(Tensor x, Tensor output);

    /// <summary>dx = beta · dx + dy ⊙ [x &gt; 0].</summary>
    void ReluBackward(Tensor x, Tensor dy, Tensor dx, float beta);

    /// <summary>output = silu(x) = x · σ(x) = x / (1 + e^(−x)) (LLaMA's gate activation).</summary>
    void Silu(Tensor x, Tensor output);

    /// <summary>dx = beta · dx + dy ⊙ silu'(x), silu'(x) = σ(x) · (1 + x · (1 − σ(x))).</summary>
    void SiluBackward(Tensor x, Tensor dy, Tensor dx, float beta);

    /// <summary>
    /// RMS normalisation of each row (LLaMA's RMSNorm): x and output (N×D), weight (D), rstd (N):
    /// rstd[i] = 1 / sqrt(mean_j x[i, j]² + eps) and output[i, j] = weight[j] · (x[i, j] · rstd[i]),
    /// statistics in fp32. rstd is kept for <see cref="RmsNormBackward"/>. D ≥ 1, eps ≥ 0; output may alias x.
    /// </summary>
    void RmsNorm(Tensor x, Tensor weight, float eps, Tensor output, Tensor rstd);

    /// <summary>
    /// Gradient of <see cref="RmsNorm"/>, row by row with r = rstd[i]:
    /// dx = beta · dx + r · (weight ⊙ dy) − x · r³ · (1/D) · Σ_j weight[j] · dy[j] · x[j], and
    /// dWeight[j] += Σ_i dy[i, j] · (x[i, j] · rstd[i]) (dWeight always accumulates). Shapes as in
    /// <see cref="RmsNorm"/>, dy and dx (N×D); beta = 0 does not read dx.
    /// </summary>
    void RmsNormBackward(Tensor x, Tensor weight, Tensor rstd, Tensor dy, Tensor dx, Tensor dWeight, float beta);

    /// <summary>
    /// Rotary position embedding, Hugging Face's rotate_half convention: x and output (N × H·headDim),
    /// one position per row (positions ≥ 0). For each head and i &lt; half = headDim/2, with
    /// invFreq[i] = 1 / theta^(2i/headDim) and angle = (positions[row] / positionScale) · invFreq[i]
    /// (all in float32, as HF computes them): out[i] = x[i]·cos − x[i+half]·sin and
    /// out[i+half] = x[i+half]·cos + x[i]·sin. <paramref name="inverse"/> applies the transposed
    /// rotation (sin → −sin), which is the backward. headDim is even and divides the row; theta and
    /// positionScale are positive; output may alias x.
    /// </summary>
    void Rope(Tensor x, ReadOnlySpan<int> positions, int headDim, float theta, float positionScale, Tensor output, bool inverse);

    /// <summary>
    /// Causal softmax of attention scores (R×K), R = groups · queries rows (a group is one batch
    /// element's head, contiguous): row r is query q = r mod queries at absolute position
    /// queryOffset + q, and belongs to batch element r / rowsPerBatch (rowsPerBatch a multiple of
    /// queries dividing R). Key k is visible iff k ≤ queryOffset + q and (keyMask is empty or
    /// keyMask[batch · K + k] ≠ 0), keyMask (batch × K) when given. probabilities[r, k] is the softmax
    /// over the visible keys of the row (in fp32), 0 for a masked key; a row with no visible key is all
    /// zeros. Masked scores do not matter (−∞ or NaN there is harmless); probabilities may alias scores.
    /// </summary>
    void CausalSoftmax(Tensor scores, int queries, int queryOffset, int rowsPerBatch, ReadOnlySpan<int> keyMask, Tensor probabilities);

    /// <summary>
    /// Gradient of a softmax, row by row: dScores = P ⊙ (dP − Σ_k dP[k] · P[k]) with P =
    /// probabilities and dP = dProbabilities (R×K); masked entries (P = 0) get 0. dScores may alias dProbabilities.
    /// </summary>
    void CausalSoftmaxBackward(Tensor probabilities, Tensor dProbabilities, Tensor dScores);

    /// <summary>Σ x², accumulated in double: the squared norm for gradient clipping.</summary>
    double SumOfSquares(Tensor x);

    /// <summary>output[i, :] = table[ids[i], :]; table (V×D), output (N×D), ids in [0, V).</summary>
    void Embedding(Tensor table, ReadOnlySpan<int> ids, Tensor output);

    /// <summary>dTable[ids[i], :] += dOutput[i, :] (rows that repeat accumulate).</summary>
    void EmbeddingBackward(Tensor dOutput, ReadOnlySpan<int> ids, Tensor dTable);

    /// <summary>
    /// Mean softmax cross-entropy of logits (N×V) against targets in [0, V), where a target of −1 is
    /// ignored (as PyTorch's ignore_index): with C the count of the other rows, returns the mean loss
    /// over those C rows (0 when C = 0) and writes dLogits = (softmax − onehot) / C on them and 0 on the
    /// ignored rows.
    /// </summary>
    float SoftmaxCrossEntropy(Tensor logits, ReadOnlySpan<int> targets, Tensor dLogits);

    /// <summary>
    /// One AdamW update in place (decoupled weight decay): m = b1·m + (1−b1)·g; v = b2·v + (1−b2)·g²;
    /// p −= lr · (m/c1 / (sqrt(v/c2) + eps) + wd · p), with c1 = 1 − b1^t and c2 = 1 − b2^t.
    /// </summary>
    void AdamW(Tensor param, Tensor grad, Tensor m, Tensor v, AdamWStep step);
}

/// <summary>The scalars of one AdamW step.</summary>
/// <param name="LearningRate">lr for this step (after the schedule).</param>
/// <param name="Beta1">First-moment decay.</param>
/// <param name="Beta2">Second-moment decay.</param>
/// <param name="Epsilon">Denominator guard.</param>
/// <param name="WeightDecay">Decoupled weight decay.</param>
/// <param name="Step">1-based step count t, for bias correction.</param>
public readonly record struct AdamWStep(float LearningRate, float Beta1, float Beta2, float Epsilon, float WeightDecay, int Step)
{
    /// <summary>1 − Beta1^Step.</summary>
    public float BiasCorrection1 => 1f - MathF.Pow(Beta1, Step);

    /// <summary>1 − Beta2^Step.</summary>
    public float BiasCorrection2 => 1f - MathF.Pow(Beta2, Step);
}
