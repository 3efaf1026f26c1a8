using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends;

/// <summary>
/// Every argument check of the op contract, in one place: one method per op of
/// <see cref="IBackend"/>, called first by every backend and returning the sizes the op needs.
/// After it, a backend checks nothing more (only its own limits, as the kernels' int sizes), so
/// every backend rejects a null, a tensor of another backend, a view it cannot take or a wrong
/// shape with the same exception and message, naming the argument.
/// </summary>
internal static class OpChecks
{
    /// <summary>A quantised matrix to hold: not null.</summary>
    public static void FromQuantized(Quantization.QuantizedMatrix matrix) => ArgumentNullException.ThrowIfNull(matrix);

    /// <summary>Row-major host data of <paramref name="length"/> values for <paramref name="shape"/>.</summary>
    public static void FromArray(int length, Shape shape)
    {
        if (length != shape.Count)
        {
            throw new ArgumentException($"{length} values do not fill shape {shape} ({shape.Count} elements)", "data");
        }
    }

    /// <summary>src: any view of this backend, 2-D when not contiguous; dst holds as many values.</summary>
    public static void CopyToHost(IBackend backend, Tensor src, int dstLength)
    {
        AnyOperand(backend, src, nameof(src));
        if (dstLength != src.Count)
        {
            throw new ArgumentException($"destination holds {dstLength} values, {nameof(src)} {src.Shape} has {src.Count}", "dst");
        }
        if (!src.IsContiguous)
        {
            Rank2(src, nameof(src));
        }
    }

    /// <summary>dst: contiguous, as many values as the source.</summary>
    public static void CopyFromHost(IBackend backend, int srcLength, Tensor dst)
    {
        Contiguous(backend, dst, nameof(dst));
        if (srcLength != dst.Count)
        {
            throw new ArgumentException($"source holds {srcLength} values, {nameof(dst)} {dst.Shape} has {dst.Count}", "src");
        }
    }

    /// <summary>src: any view, 2-D when not contiguous; dst: contiguous, same shape.</summary>
    public static void Copy(IBackend backend, Tensor src, Tensor dst)
    {
        AnyOperand(backend, src, nameof(src));
        Contiguous(backend, dst, nameof(dst));
        SameShape(src, nameof(src), dst, nameof(dst));
        if (!src.IsContiguous)
        {
            Rank2(src, nameof(src));
        }
    }

    /// <summary>a (M×K) and b (K×N) matrix views (unit stride along rows or columns), c (M×N) contiguous; returns (M, N, K).</summary>
    public static (int M, int N, int K) Gemm(IBackend backend, Tensor a, Tensor b, Tensor c)
    {
        Matrix(backend, a, nameof(a));
        AnyOperand(backend, b, nameof(b));
        if (b.DType == TensorDType.Float32)
        {
            Matrix(backend, b, nameof(b));
        }
        Contiguous(backend, c, nameof(c));
        Rank2(c, nameof(c));
        return Product(a, b, c);
    }

    /// <summary>
    /// A strided batch of products: batch ≥ 0, strides ≥ 0, a (M×K) and b (K×N) matrix views, c (M×N)
    /// row-major with row stride ≥ N, its items not overlapping, and the last item of each inside its
    /// storage; returns (M, N, K).
    /// </summary>
    public static (int M, int N, int K) GemmStridedBatched(IBackend backend, int batch, Tensor a, long strideA, Tensor b, long strideB, Tensor c, long strideC)
    {
        Matrix(backend, a, nameof(a));
        Matrix(backend, b, nameof(b));
        Operand(backend, c, nameof(c));
        Rank2(c, nameof(c));
        if (!Layouts.IsRowMajor(c))
        {
            throw new ArgumentException($"{nameof(c)} of shape {c.Shape} has strides ({c.Strides[0]}, {c.Strides[1]}): it must be row-major (unit column stride, row stride at least {c.Shape[1]})", nameof(c));
        }
        var (m, n, k) = Product(a, b, c);
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        ArgumentOutOfRangeException.ThrowIfNegative(strideA);
        ArgumentOutOfRangeException.ThrowIfNegative(strideB);
        ArgumentOutOfRangeException.ThrowIfNegative(strideC);
        ItemsInside(a, nameof(a), batch, strideA, nameof(strideA));
        ItemsInside(b, nameof(b), batch, strideB, nameof(strideB));
        ItemsInside(c, nameof(c), batch, strideC, nameof(strideC));
        long ldc = c.Strides[0];
        bool stacked = strideC >= ((m - 1) * ldc) + n;
        bool sideBySide = strideC >= n && ((batch - 1) * strideC) + n <= ldc;
        if (batch > 1 && m > 0 && n > 0 && !stacked && !sideBySide)
        {
            throw new ArgumentException($"the items of {nameof(c)} {c.Shape} (row stride {ldc}) overlap at {nameof(strideC)} {strideC}: an item must start after the previous one's last element, or the items must sit side by side within a row", nameof(strideC));
        }
        return (m, n, k);
    }

    /// <summary>Broadcast-roll's operands (matrix views): full (rs+u × dim) from chunk (rs × cs) and vec (u × dim).</summary>
    public static BroadcastRollSizes BroadcastRoll(IBackend backend, Tensor chunk, Tensor vec, Tensor full, int shift)
        => BroadcastRollOperands(backend, (chunk, nameof(chunk)), (vec, nameof(vec)), (full, nameof(full)), shift);

    /// <summary>Broadcast-roll gradient's operands: as <see cref="BroadcastRoll"/> with dChunk, dVec and dFull.</summary>
    public static BroadcastRollSizes BroadcastRollGrad(IBackend backend, Tensor dFull, Tensor dChunk, Tensor dVec, int shift)
        => BroadcastRollOperands(backend, (dChunk, nameof(dChunk)), (dVec, nameof(dVec)), (dFull, nameof(dFull)), shift);

    /// <summary>Roll-reduce's operands: p (N·copies × rs) and h (N × rs), contiguous; returns (N, rs).</summary>
    public static (int Rows, int Rs) RollReduce(IBackend backend, Tensor p, Tensor h, int copies, int shift)
        => RollOperands(backend, (h, nameof(h)), (p, nameof(p)), copies, shift);

    /// <summary>Roll-spread's operands: h (N × rs) and g (N·copies × rs), contiguous; returns (N, rs).</summary>
    public static (int Rows, int Rs) RollSpread(IBackend backend, Tensor h, Tensor g, int copies, int shift)
        => RollOperands(backend, (h, nameof(h)), (g, nameof(g)), copies, shift);

    /// <summary>
    /// Compact-rows-delta's operands (see <see cref="IBackend.CompactRowsDelta"/>), all contiguous and 2-D, rows distinct
    /// and inside x; returns the sizes.
    /// </summary>
    public static CompactRowsSizes CompactRowsDelta(IBackend backend, Tensor x, ReadOnlySpan<int> rows, Tensor chunkA, Tensor vecA, int shiftA, Tensor chunkB, Tensor vecB, int shiftB, Tensor y)
    {
        CompactRows(backend, x, rows, y);
        return CompactAdapter(backend, x, chunkA, vecA, shiftA, chunkB, vecB, shiftB, y);
    }

    /// <summary>
    /// Compact-rows-delta-many's operands: each adapter's as <see cref="CompactRowsDelta"/> checks them, the rows
    /// distinct and inside x, one adapter index per row in range; returns each adapter's sizes.
    /// </summary>
    public static CompactRowsSizes[] CompactRowsDeltaMany(IBackend backend, Tensor x, ReadOnlySpan<int> rows, ReadOnlySpan<int> rowAdapter, IReadOnlyList<CompactOperands> adapters, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(adapters);
        CompactRows(backend, x, rows, y);
        var sizes = adapters.Select(o => CompactAdapter(backend, x, o.ChunkA, o.VecA, o.ShiftA, o.ChunkB, o.VecB, o.ShiftB, y)).ToArray();
        if (rowAdapter.Length != rows.Length)
        {
            throw new ArgumentException($"rowAdapter has {rowAdapter.Length} entries but rows {rows.Length}: one adapter per row", nameof(rowAdapter));
        }
        for (int i = 0; i < rowAdapter.Length; i++)
        {
            if ((uint)rowAdapter[i] >= (uint)adapters.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(rowAdapter), $"rowAdapter[{i}] = {rowAdapter[i]} is not one of the {adapters.Count} adapters");
            }
        }
        return sizes;
    }

    /// <summary>x (N×in) and y (N×out) contiguous; rows distinct, in [0, N).</summary>
    private static void CompactRows(IBackend backend, Tensor x, ReadOnlySpan<int> rows, Tensor y)
    {
        foreach (var (t, name) in new[] { (x, nameof(x)), (y, nameof(y)) })
        {
            Contiguous(backend, t, name);
            Rank2(t, name);
        }
        int n = x.Shape[0];
        if (y.Shape[0] != n)
        {
            throw new ArgumentException($"y has {y.Shape[0]} rows but x {x.Shape} has {n}", nameof(y));
        }
        var seen = new bool[n];
        for (int i = 0; i < rows.Length; i++)
        {
            if ((uint)rows[i] >= (uint)n)
            {
                throw new ArgumentOutOfRangeException(nameof(rows), $"rows[{i}] = {rows[i]} is outside x's {n} rows");
            }
            if (seen[rows[i]])
            {
                throw new ArgumentException($"rows[{i}] = {rows[i]} repeats: each row is updated once", nameof(rows));
            }
            seen[rows[i]] = true;
        }
    }

    /// <summary>One adapter's compact tensors against x (N×in) and y (N×out).</summary>
    private static CompactRowsSizes CompactAdapter(IBackend backend, Tensor x, Tensor chunkA, Tensor vecA, int shiftA, Tensor chunkB, Tensor vecB, int shiftB, Tensor y)
    {
        foreach (var (t, name) in new[] { (chunkA, nameof(chunkA)), (vecA, nameof(vecA)), (chunkB, nameof(chunkB)), (vecB, nameof(vecB)) })
        {
            Contiguous(backend, t, name);
            Rank2(t, name);
        }
        int inFeatures = x.Shape[1], outFeatures = y.Shape[1];
        int rs = chunkA.Shape[0], csA = chunkA.Shape[1], u = vecA.Shape[0], csB = chunkB.Shape[0];
        if (vecA.Shape[1] != inFeatures)
        {
            throw new ArgumentException($"vecA has shape {vecA.Shape}, expected ({u}, {inFeatures}) for x {x.Shape}", nameof(vecA));
        }
        if (chunkB.Shape[1] != rs)
        {
            throw new ArgumentException($"chunkB has shape {chunkB.Shape}, expected ({csB}, {rs}): rs = {rs} from chunkA {chunkA.Shape}", nameof(chunkB));
        }
        if (vecB.Shape[0] != u || vecB.Shape[1] != outFeatures)
        {
            throw new ArgumentException($"vecB has shape {vecB.Shape}, expected ({u}, {outFeatures}) for vecA {vecA.Shape} and y {y.Shape}", nameof(vecB));
        }
        if (rs + u == 0)
        {
            throw new ArgumentException($"the adapter has no rank: chunkA {chunkA.Shape} and vecA {vecA.Shape}", nameof(chunkA));
        }
        if (rs > 0 && (csA < 1 || csA > inFeatures))
        {
            throw new ArgumentException($"chunkA width {csA} must be in [1, {inFeatures}] (the width of x)", nameof(chunkA));
        }
        if (rs > 0 && (csB < 1 || csB > outFeatures))
        {
            throw new ArgumentException($"chunkB height {csB} must be in [1, {outFeatures}] (the width of y)", nameof(chunkB));
        }
        if (shiftA < 0 || shiftB < 0)
        {
            throw new ArgumentOutOfRangeException(shiftA < 0 ? nameof(shiftA) : nameof(shiftB), shiftA < 0 ? shiftA : shiftB, "shifts must be >= 0");
        }
        return new CompactRowsSizes(inFeatures, outFeatures, rs, u, Math.Max(csA, 1), Math.Max(csB, 1));
    }

    /// <summary>One contiguous tensor; returns its element count.</summary>
    public static long Fill(IBackend backend, Tensor x) => Elementwise(backend, (x, nameof(x)));

    /// <summary>x and y contiguous, same shape; returns the element count.</summary>
    public static long Axpby(IBackend backend, Tensor x, Tensor y) => Elementwise(backend, (x, nameof(x)), (y, nameof(y)));

    /// <summary>a, b and output contiguous, same shape; returns the element count.</summary>
    public static long Mul(IBackend backend, Tensor a, Tensor b, Tensor output) => Elementwise(backend, (a, nameof(a)), (b, nameof(b)), (output, nameof(output)));

    /// <summary>p in [0, 1); x, mask and output contiguous, same shape; returns the element count.</summary>
    public static long Dropout(IBackend backend, Tensor x, float p, Tensor mask, Tensor output)
    {
        if (!(p >= 0f && p < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1)");
        }
        return Elementwise(backend, (x, nameof(x)), (mask, nameof(mask)), (output, nameof(output)));
    }

    /// <summary>x and output (N×D), bias (D), contiguous; returns (N, D).</summary>
    public static (int Rows, int Cols) AddRowVector(IBackend backend, Tensor x, Tensor bias, Tensor output)
    {
        Elementwise(backend, (x, nameof(x)), (output, nameof(output)));
        Rank2(x, nameof(x));
        Contiguous(backend, bias, nameof(bias));
        Vector(bias, x.Shape[1], nameof(bias));
        return (x.Shape[0], x.Shape[1]);
    }

    /// <summary>x (N×D) and output (D), contiguous; returns (N, D).</summary>
    public static (int Rows, int Cols) SumRows(IBackend backend, Tensor x, Tensor output)
    {
        Contiguous(backend, x, nameof(x));
        Contiguous(backend, output, nameof(output));
        Rank2(x, nameof(x));
        Vector(output, x.Shape[1], nameof(output));
        return (x.Shape[0], x.Shape[1]);
    }

    /// <summary>A unary elementwise op (ReLU, SiLU, ...): x and output contiguous, same shape; returns the element count.</summary>
    public static long Unary(IBackend backend, Tensor x, Tensor output) => Elementwise(backend, (x, nameof(x)), (output, nameof(output)));

    /// <summary>The gradient of a unary elementwise op: x, dy and dx contiguous, same shape; returns the element count.</summary>
    public static long UnaryBackward(IBackend backend, Tensor x, Tensor dy, Tensor dx) => Elementwise(backend, (x, nameof(x)), (dy, nameof(dy)), (dx, nameof(dx)));

    /// <summary>One contiguous tensor; returns its element count.</summary>
    public static long SumOfSquares(IBackend backend, Tensor x) => Elementwise(backend, (x, nameof(x)));

    /// <summary>table (V×D), output (N×D), contiguous, N ids in [0, V); returns (N, D).</summary>
    public static (int N, int D) Embedding(IBackend backend, Tensor table, ReadOnlySpan<int> ids, Tensor output)
        => EmbeddingOperands(backend, (table, nameof(table)), ids, (output, nameof(output)));

    /// <summary>dOutput (N×D), dTable (V×D), contiguous, N ids in [0, V); returns (N, D).</summary>
    public static (int N, int D) EmbeddingBackward(IBackend backend, Tensor dOutput, ReadOnlySpan<int> ids, Tensor dTable)
        => EmbeddingOperands(backend, (dTable, nameof(dTable)), ids, (dOutput, nameof(dOutput)));

    /// <summary>logits and dLogits (N×V), contiguous, N targets in [0, V) or −1 (ignored); returns (N, V).</summary>
    public static (int N, int V) SoftmaxCrossEntropy(IBackend backend, Tensor logits, ReadOnlySpan<int> targets, Tensor dLogits)
    {
        Elementwise(backend, (logits, nameof(logits)), (dLogits, nameof(dLogits)));
        Rank2(logits, nameof(logits));
        int n = logits.Shape[0], v = logits.Shape[1];
        Count(targets, n, nameof(targets));
        for (int i = 0; i < targets.Length; i++)
        {
            if (targets[i] != -1 && (uint)targets[i] >= (uint)v)
            {
                throw new ArgumentOutOfRangeException(nameof(targets), $"{nameof(targets)}[{i}] = {targets[i]} is neither -1 (ignored) nor in [0, {v})");
            }
        }
        return (n, v);
    }

    /// <summary>x and output (N×D) contiguous, same shape, D ≥ 1; weight (D) and rstd (N) contiguous; eps ≥ 0; returns (N, D).</summary>
    public static (int Rows, int Cols) RmsNorm(IBackend backend, Tensor x, Tensor weight, float eps, Tensor output, Tensor rstd)
    {
        var (rows, cols) = RmsNormOperands(backend, (x, nameof(x)), weight, rstd, (output, nameof(output)));
        if (!(eps >= 0f) || float.IsInfinity(eps))
        {
            throw new ArgumentOutOfRangeException(nameof(eps), eps, "eps must be finite and >= 0");
        }
        return (rows, cols);
    }

    /// <summary>x, dy and dx (N×D) contiguous, same shape, D ≥ 1; weight and dWeight (D), rstd (N), contiguous; returns (N, D).</summary>
    public static (int Rows, int Cols) RmsNormBackward(IBackend backend, Tensor x, Tensor weight, Tensor rstd, Tensor dy, Tensor dx, Tensor dWeight)
    {
        var sizes = RmsNormOperands(backend, (x, nameof(x)), weight, rstd, (dy, nameof(dy)), (dx, nameof(dx)));
        Contiguous(backend, dWeight, nameof(dWeight));
        Vector(dWeight, sizes.Cols, nameof(dWeight));
        return sizes;
    }

    /// <summary>
    /// x and output (N × H·headDim) contiguous, same shape; N positions ≥ 0; headDim even, positive,
    /// dividing the row; theta and positionScale finite and positive; returns (N, H).
    /// </summary>
    public static (int Rows, int Heads) Rope(IBackend backend, Tensor x, ReadOnlySpan<int> positions, int headDim, float theta, float positionScale, Tensor output)
    {
        Elementwise(backend, (x, nameof(x)), (output, nameof(output)));
        Rank2(x, nameof(x));
        int rows = x.Shape[0], cols = x.Shape[1];
        if (headDim <= 0 || headDim % 2 != 0 || cols % headDim != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(headDim), headDim, $"headDim must be even, positive and divide the row of {nameof(x)} {x.Shape}");
        }
        Positive(theta, nameof(theta));
        Positive(positionScale, nameof(positionScale));
        Count(positions, rows, nameof(positions));
        for (int i = 0; i < positions.Length; i++)
        {
            if (positions[i] < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(positions), $"{nameof(positions)}[{i}] = {positions[i]} is negative");
            }
        }
        return (rows, cols / headDim);
    }

    /// <summary>
    /// scores and probabilities (R×K) contiguous, same shape; queries ≥ 1 and rowsPerBatch a multiple
    /// of it, dividing R; queryOffset ≥ 0; keyMask empty or (R / rowsPerBatch) × K; returns (R, K).
    /// </summary>
    public static (int Rows, int Keys) CausalSoftmax(IBackend backend, Tensor scores, int queries, int queryOffset, int rowsPerBatch, ReadOnlySpan<int> keyMask, Tensor probabilities)
    {
        Elementwise(backend, (scores, nameof(scores)), (probabilities, nameof(probabilities)));
        Rank2(scores, nameof(scores));
        int rows = scores.Shape[0], keys = scores.Shape[1];
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(queries);
        ArgumentOutOfRangeException.ThrowIfNegative(queryOffset);
        if (rowsPerBatch <= 0 || rowsPerBatch % queries != 0 || rows % rowsPerBatch != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(rowsPerBatch), rowsPerBatch, $"rowsPerBatch must be a positive multiple of queries ({queries}) that divides the {rows} rows of {nameof(scores)}");
        }
        if (!keyMask.IsEmpty)
        {
            Count(keyMask, rows / rowsPerBatch * keys, nameof(keyMask));
        }
        return (rows, keys);
    }

    /// <summary>probabilities, dProbabilities and dScores (R×K) contiguous, same shape; returns (R, K).</summary>
    public static (int Rows, int Keys) CausalSoftmaxBackward(IBackend backend, Tensor probabilities, Tensor dProbabilities, Tensor dScores)
    {
        Elementwise(backend, (probabilities, nameof(probabilities)), (dProbabilities, nameof(dProbabilities)), (dScores, nameof(dScores)));
        Rank2(probabilities, nameof(probabilities));
        return (probabilities.Shape[0], probabilities.Shape[1]);
    }

    /// <summary>param, grad, m and v contiguous, same shape; returns the element count.</summary>
    public static long AdamW(IBackend backend, Tensor param, Tensor grad, Tensor m, Tensor v)
        => Elementwise(backend, (param, nameof(param)), (grad, nameof(grad)), (m, nameof(m)), (v, nameof(v)));

    /// <summary>Contiguous tensors of this backend, all of the first one's shape; returns the element count.</summary>
    private static long Elementwise(IBackend backend, params ReadOnlySpan<(Tensor T, string Name)> operands)
    {
        foreach (var (t, name) in operands)
        {
            Contiguous(backend, t, name);
        }
        for (int i = 1; i < operands.Length; i++)
        {
            SameShape(operands[0].T, operands[0].Name, operands[i].T, operands[i].Name);
        }
        return operands[0].T.Count;
    }

    /// <summary>a (M×K) times b (K×N) into c (M×N): the shapes agree; returns (M, N, K).</summary>
    private static (int M, int N, int K) Product(Tensor a, Tensor b, Tensor c)
    {
        if (a.Shape[1] != b.Shape[0])
        {
            throw new ArgumentException($"gemm: a {a.Shape} and b {b.Shape} disagree on the inner dimension", nameof(b));
        }
        if (c.Shape[0] != a.Shape[0] || c.Shape[1] != b.Shape[1])
        {
            throw new ArgumentException($"gemm: c has shape {c.Shape}, expected ({a.Shape[0]}, {b.Shape[1]})", nameof(c));
        }
        return (a.Shape[0], b.Shape[1], a.Shape[1]);
    }

    /// <summary>The last of <paramref name="batch"/> items, <paramref name="stride"/> elements apart, ends inside t's storage.</summary>
    private static void ItemsInside(Tensor t, string name, int batch, long stride, string strideName)
    {
        if (batch == 0 || t.Count == 0)
        {
            return;
        }
        Int128 last = t.Offset + ((Int128)(batch - 1) * stride);
        for (int d = 0; d < t.Shape.Rank; d++)
        {
            last += (Int128)(t.Shape[d] - 1) * t.Strides[d];
        }
        if (last >= t.Storage.Length)
        {
            throw new ArgumentException($"item {batch - 1} of {name} {t.Shape} ({strideName} {stride}) ends at element {last}, outside its storage of {t.Storage.Length} elements", strideName);
        }
    }

    /// <summary>RMSNorm's operands: rows (N×D, D ≥ 1) contiguous, all of the first one's shape; weight (D), rstd (N), contiguous; returns (N, D).</summary>
    private static (int Rows, int Cols) RmsNormOperands(IBackend backend, (Tensor T, string Name) x, Tensor weight, Tensor rstd, params ReadOnlySpan<(Tensor T, string Name)> rows)
    {
        Contiguous(backend, x.T, x.Name);
        Rank2(x.T, x.Name);
        foreach (var (t, name) in rows)
        {
            Contiguous(backend, t, name);
            SameShape(x.T, x.Name, t, name);
        }
        int n = x.T.Shape[0], d = x.T.Shape[1];
        if (d == 0)
        {
            throw new ArgumentException($"{x.Name} of shape {x.T.Shape} has no columns to normalise", x.Name);
        }
        Contiguous(backend, weight, nameof(weight));
        Vector(weight, d, nameof(weight));
        Contiguous(backend, rstd, nameof(rstd));
        Vector(rstd, n, nameof(rstd));
        return (n, d);
    }

    private static BroadcastRollSizes BroadcastRollOperands(IBackend backend, (Tensor T, string Name) chunk, (Tensor T, string Name) vec, (Tensor T, string Name) full, int shift)
    {
        Matrix(backend, chunk.T, chunk.Name);
        Matrix(backend, vec.T, vec.Name);
        Matrix(backend, full.T, full.Name);
        int rs = chunk.T.Shape[0], cs = chunk.T.Shape[1], u = vec.T.Shape[0], dim = full.T.Shape[1];
        if (full.T.Shape[0] != rs + u)
        {
            throw new ArgumentException($"{full.Name} has {full.T.Shape[0]} rows but {chunk.Name} {chunk.T.Shape} and {vec.Name} {vec.T.Shape} give {rs + u}", full.Name);
        }
        if (vec.T.Shape[1] != dim)
        {
            throw new ArgumentException($"{vec.Name} has shape {vec.T.Shape}, expected ({u}, {dim})", vec.Name);
        }
        if (rs > 0 && (cs <= 0 || cs > dim))
        {
            throw new ArgumentException($"{chunk.Name} width {cs} must be in [1, {dim}]", chunk.Name);
        }
        if (shift < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(shift), shift, "shift must be >= 0");
        }
        return new BroadcastRollSizes(rs, u, dim, cs);
    }

    private static (int Rows, int Rs) RollOperands(IBackend backend, (Tensor T, string Name) h, (Tensor T, string Name) copied, int copies, int shift)
    {
        Contiguous(backend, h.T, h.Name);
        Contiguous(backend, copied.T, copied.Name);
        Rank2(h.T, h.Name);
        Rank2(copied.T, copied.Name);
        if (copies < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(copies), copies, "copies must be >= 1");
        }
        if (shift < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(shift), shift, "shift must be >= 0");
        }
        int rows = h.T.Shape[0], rs = h.T.Shape[1];
        if (copied.T.Shape[0] != (long)rows * copies || copied.T.Shape[1] != rs)
        {
            throw new ArgumentException($"{copied.Name} has shape {copied.T.Shape}, expected ({(long)rows * copies}, {rs}): {copies} copies of each row of {h.Name} {h.T.Shape}", copied.Name);
        }
        return (rows, rs);
    }

    private static (int N, int D) EmbeddingOperands(IBackend backend, (Tensor T, string Name) table, ReadOnlySpan<int> ids, (Tensor T, string Name) rows)
    {
        Contiguous(backend, table.T, table.Name);
        Contiguous(backend, rows.T, rows.Name);
        Rank2(table.T, table.Name);
        Rank2(rows.T, rows.Name);
        if (rows.T.Shape[1] != table.T.Shape[1])
        {
            throw new ArgumentException($"{rows.Name} {rows.T.Shape} and {table.Name} {table.T.Shape} disagree on the embedding width", rows.Name);
        }
        Ids(ids, rows.T.Shape[0], table.T.Shape[0], nameof(ids));
        return (rows.T.Shape[0], rows.T.Shape[1]);
    }

    /// <summary>A float32 tensor of this backend.</summary>
    private static void Operand(IBackend backend, Tensor t, string name)
    {
        AnyOperand(backend, t, name);
        if (t.DType != TensorDType.Float32)
        {
            throw new ArgumentException($"{name} is a {t.DType} frozen weight: this op takes float32 tensors (a quantised weight goes only to Gemm as b and to the copies)", name);
        }
    }

    /// <summary>A tensor of this backend: float32, or a quantised matrix viewed whole or transposed.</summary>
    private static void AnyOperand(IBackend backend, Tensor t, string name)
    {
        ArgumentNullException.ThrowIfNull(t, name);
        if (!ReferenceEquals(t.Backend, backend))
        {
            throw new ArgumentException($"{name} lives on {t.Backend.Name}, not on {backend.Name}", name);
        }
        if (t.Storage is QuantizedStorage q)
        {
            bool whole = t.Shape.Rank == 2 && t.Offset == 0 && t.Shape[0] == q.Rows && t.Shape[1] == q.Cols && t.Strides[0] == q.Cols && t.Strides[1] == 1;
            bool transposed = t.Shape.Rank == 2 && t.Offset == 0 && t.Shape[0] == q.Cols && t.Shape[1] == q.Rows && t.Strides[0] == 1 && t.Strides[1] == q.Cols;
            if (!whole && !transposed)
            {
                throw new ArgumentException($"{name} is a view {t.Shape} of a {q.Rows}×{q.Cols} {q.DType} matrix: a quantised matrix is read whole or transposed, never in part", name);
            }
        }
    }

    private static void Contiguous(IBackend backend, Tensor t, string name)
    {
        Operand(backend, t, name);
        if (!t.IsContiguous)
        {
            throw new ArgumentException($"{name} of shape {t.Shape} must be contiguous", name);
        }
    }

    /// <summary>A 2-D view whose rows or columns have unit stride (a matrix or a transposed one).</summary>
    private static void Matrix(IBackend backend, Tensor t, string name)
    {
        Operand(backend, t, name);
        Rank2(t, name);
        if (!Layouts.IsRowMajor(t) && !Layouts.IsColumnMajor(t) && t.Count > 1)
        {
            throw new ArgumentException($"{name} of shape {t.Shape} has strides ({t.Strides[0]}, {t.Strides[1]}): neither rows nor columns are contiguous", name);
        }
    }

    private static void Rank2(Tensor t, string name)
    {
        if (t.Shape.Rank != 2)
        {
            throw new ArgumentException($"{name} must be 2-D, got shape {t.Shape}", name);
        }
    }

    private static void SameShape(Tensor a, string aName, Tensor b, string bName)
    {
        if (a.Shape != b.Shape)
        {
            throw new ArgumentException($"{aName} has shape {a.Shape} but {bName} has shape {b.Shape}", bName);
        }
    }

    private static void Vector(Tensor t, int length, string name)
    {
        if (t.Shape.Rank != 1 || t.Shape[0] != length)
        {
            throw new ArgumentException($"{name} has shape {t.Shape}, expected ({length})", name);
        }
    }

    private static void Positive(float value, string name)
    {
        if (!(value > 0f) || float.IsInfinity(value))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite and positive");
        }
    }

    private static void Count(ReadOnlySpan<int> values, int count, string name)
    {
        if (values.Length != count)
        {
            throw new ArgumentException($"{name} has {values.Length} entries, expected {count}", name);
        }
    }

    private static void Ids(ReadOnlySpan<int> ids, int count, int limit, string name)
    {
        Count(ids, count, name);
        for (int i = 0; i < ids.Length; i++)
        {
            if ((uint)ids[i] >= (uint)limit)
            {
                throw new ArgumentOutOfRangeException(name, $"{name}[{i}] = {ids[i]} is outside [0, {limit})");
            }
        }
    }
}

/// <summary>The sizes of a broadcast-roll: shared rank rs, unshared rank u, the broadcast dimension and the chunk width cs.</summary>
internal readonly record struct BroadcastRollSizes(int Rs, int U, int Dim, int Cs);

/// <summary>The sizes of a compact-rows-delta: in and out, shared and unshared ranks, chunk widths (at least 1).</summary>
internal readonly record struct CompactRowsSizes(int In, int Out, int Rs, int U, int CsA, int CsB);
