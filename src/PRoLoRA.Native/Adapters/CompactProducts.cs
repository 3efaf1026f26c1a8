using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Adapters;

/// <summary>
/// PRoLoRA's products x·Aᵀ and h·Bᵀ computed from the compact tensors, never materialising A or B
/// (docs/method.md, "Compact products"): the same FLOPs as the dense products, with m (n) times
/// fewer adapter bytes read. Each is one GEMM on a view of x (of y) cut into chunk-wide slices,
/// plus <see cref="IBackend.RollReduce"/> / <see cref="IBackend.RollSpread"/> and a GEMM for the
/// unshared ranks. A slice cut short by a ragged in (out) is a second, narrower GEMM, which is the
/// zero padding of the definition without a padded copy. Operands are contiguous.
/// </summary>
internal static class CompactProducts
{
    /// <summary>
    /// The shrink x·Aᵀ split into its shared ranks, hShared = x·A[:rs]ᵀ (N×rs), and its unshared ones,
    /// hUnshared = x·vec_aᵀ (N×u). x is N×in, chunkA rs×cs_a, vecA u×in.
    /// </summary>
    public static void Shrink(Tensor x, Tensor chunkA, Tensor vecA, int shift, Tensor hShared, Tensor hUnshared)
    {
        var be = Operands((x, nameof(x)), (chunkA, nameof(chunkA)), rankFirst: true, (vecA, nameof(vecA)), (hShared, nameof(hShared)), (hUnshared, nameof(hUnshared)));
        int rows = x.Shape[0], dim = x.Shape[1], rs = chunkA.Shape[0], cs = chunkA.Shape[1];
        if (rs > 0)
        {
            int copies = (dim + cs - 1) / cs;
            using var p = be.Empty(new Shape(rows * copies, rs));
            if (copies * cs == dim)
            {
                be.Gemm(x.Reshape(rows * copies, cs), chunkA.T, p);
            }
            else
            {
                // p viewed as rows × copies·rs: copy k of row i is the item at column k·rs.
                Sliced(be, copies, cs, dim, x, chunkA.T, p, rs, rows, alpha: 1f, beta: 0f, slicesInA: true);
            }
            be.RollReduce(p, hShared, copies, shift, 0f);
        }
        if (vecA.Shape[0] > 0)
        {
            be.Gemm(x, vecA.T, hUnshared);
        }
    }

    /// <summary>
    /// The expand y = beta·y + alpha·h·Bᵀ from the shrink's two parts: hShared (N×rs), hUnshared
    /// (N×u), chunkB cs_b×rs, vecB u×out, y N×out. beta = 0 does not read y.
    /// </summary>
    public static void Expand(Tensor hShared, Tensor hUnshared, Tensor chunkB, Tensor vecB, int shift, Tensor y, float alpha = 1f, float beta = 0f)
    {
        var be = Operands((y, nameof(y)), (chunkB, nameof(chunkB)), rankFirst: false, (vecB, nameof(vecB)), (hShared, nameof(hShared)), (hUnshared, nameof(hUnshared)));
        int rows = y.Shape[0], dim = y.Shape[1], rs = chunkB.Shape[1], cs = chunkB.Shape[0];
        if (rs > 0)
        {
            int copies = (dim + cs - 1) / cs;
            using var g = be.Empty(new Shape(rows * copies, rs));
            be.RollSpread(hShared, g, copies, shift);
            if (copies * cs == dim)
            {
                be.Gemm(g, chunkB.T, y.Reshape(rows * copies, cs), alpha, beta);
            }
            else
            {
                Sliced(be, copies, cs, dim, y, chunkB, g, rs, rows, alpha, beta, slicesInA: false);
            }
            beta = 1f;
        }
        if (vecB.Shape[0] > 0)
        {
            be.Gemm(hUnshared, vecB, y, alpha, beta);
        }
    }

    /// <summary>
    /// The product of every slice when dim is not a multiple of cs: the full slices as one batched
    /// GEMM, the last, narrower one (dim − (copies−1)·cs wide) as a GEMM on the chunk cut to it. The
    /// batch runs over the slices (items rows×cs) or, when there are fewer rows than full slices (decode),
    /// over the rows (items full×cs): fewer, larger items.
    /// Shrink (slicesInA): item k of rolled (rows×rs at column k·rs) = x[:, k·cs …]·chunkAᵀ.
    /// Expand: y[:, k·cs …] = alpha·(item k of rolled)·chunkBᵀ + beta·y[:, k·cs …].
    /// </summary>
    private static void Sliced(IBackend be, int copies, int cs, int dim, Tensor sliced, Tensor chunk, Tensor rolled, int rs, int rows, float alpha, float beta, bool slicesInA)
    {
        int full = copies - 1, last = dim - (full * cs);
        int ld = sliced.Strides[0];
        bool byRows = rows < full;
        int batch = byRows ? rows : full;
        long slicesStride = byRows ? ld : cs, itemsStride = byRows ? (long)copies * rs : rs;
        var slice = byRows ? sliced.View(new Shape(full, cs), [cs, 1], 0) : sliced.View(new Shape(rows, cs), [ld, 1], 0);
        var item = byRows ? rolled.View(new Shape(full, rs), [rs, 1], 0) : rolled.View(new Shape(rows, rs), [copies * rs, 1], 0);
        var lastSlice = sliced.View(new Shape(rows, last), [ld, 1], (long)full * cs);
        var lastItem = rolled.View(new Shape(rows, rs), [copies * rs, 1], (long)full * rs);
        if (slicesInA)
        {
            // chunk is chunk_aᵀ (cs×rs); its first `last` rows serve the last slice.
            var lastChunk = chunk.View(new Shape(last, rs), [chunk.Strides[0], chunk.Strides[1]], 0);
            if (full > 0)
            {
                be.GemmStridedBatched(batch, slice, slicesStride, chunk, 0, item, itemsStride, alpha, beta);
            }
            be.GemmStridedBatched(1, lastSlice, 0, lastChunk, 0, lastItem, 0, alpha, beta);
        }
        else
        {
            // chunk is chunk_b (cs×rs); its first `last` rows serve the last slice.
            var lastChunk = chunk.View(new Shape(last, rs), [chunk.Strides[0], chunk.Strides[1]], 0);
            if (full > 0)
            {
                be.GemmStridedBatched(batch, item, itemsStride, chunk.T, 0, slice, slicesStride, alpha, beta);
            }
            be.GemmStridedBatched(1, lastItem, 0, lastChunk.T, 0, lastSlice, 0, alpha, beta);
        }
    }

    /// <summary>
    /// Checks the shapes shared by shrink and expand (x or y: N×dim; the chunk rs×cs, or cs×rs when
    /// not rankFirst; vec u×dim; hShared N×rs; hUnshared N×u); returns the backend.
    /// </summary>
    private static IBackend Operands((Tensor T, string Name) rowsOf, (Tensor T, string Name) chunk, bool rankFirst, (Tensor T, string Name) vec, (Tensor T, string Name) hShared, (Tensor T, string Name) hUnshared)
    {
        foreach (var (t, name) in new[] { rowsOf, chunk, vec, hShared, hUnshared })
        {
            ArgumentNullException.ThrowIfNull(t, name);
            if (t.Shape.Rank != 2 || !t.IsContiguous)
            {
                throw new ArgumentException($"{name} of shape {t.Shape} must be a contiguous matrix", name);
            }
            if (!ReferenceEquals(t.Backend, rowsOf.T.Backend))
            {
                throw new ArgumentException($"{name} lives on {t.Backend.Name}, not on {rowsOf.T.Backend.Name}", name);
            }
        }
        int rows = rowsOf.T.Shape[0], dim = rowsOf.T.Shape[1];
        int rs = chunk.T.Shape[rankFirst ? 0 : 1], cs = chunk.T.Shape[rankFirst ? 1 : 0], u = vec.T.Shape[0];
        if (rs > 0 && (cs < 1 || cs > dim))
        {
            throw new ArgumentException($"{chunk.Name} {chunk.T.Shape} has chunk width {cs}, which must be in [1, {dim}] for {rowsOf.Name} {rowsOf.T.Shape}", chunk.Name);
        }
        if (vec.T.Shape[1] != dim)
        {
            throw new ArgumentException($"{vec.Name} has shape {vec.T.Shape}, expected ({u}, {dim}) for {rowsOf.Name} {rowsOf.T.Shape}", vec.Name);
        }
        if (hShared.T.Shape != new Shape(rows, rs))
        {
            throw new ArgumentException($"{hShared.Name} has shape {hShared.T.Shape}, expected ({rows}, {rs})", hShared.Name);
        }
        if (hUnshared.T.Shape != new Shape(rows, u))
        {
            throw new ArgumentException($"{hUnshared.Name} has shape {hUnshared.T.Shape}, expected ({rows}, {u})", hUnshared.Name);
        }
        return rowsOf.T.Backend;
    }
}
