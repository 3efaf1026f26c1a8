using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Serving;

/// <summary>
/// One adapted linear of a banked adapter: its compact adapter over the model's frozen base, and its A and B
/// when the bank keeps them (<see cref="AdapterProducts.Materialised"/>).
/// </summary>
internal sealed class BankedLinear : IDisposable
{
    /// <summary>
    /// Rows of one adapter up to which its delta is a gather-multiply per row (<see cref="Backends.IBackend.CompactRowsDeltaMany"/>,
    /// every such adapter of a linear in one call); more rows share two GEMMs. Decode puts one or a few rows on each adapter.
    /// </summary>
    internal const int RowsPerGather = 16;

    private readonly Tensor? _a;
    private readonly Tensor? _b;
    private readonly Tensor? _noVecA;
    private readonly Tensor? _noVecB;

    public BankedLinear(ProLoraLinear linear, AdapterProducts products)
    {
        Linear = linear;
        if (products == AdapterProducts.Materialised)
        {
            var c = linear.Config;
            var backend = linear.Adapter.Backend;
            _a = linear.Adapter.MaterializeA();
            _b = linear.Adapter.MaterializeB();
            _noVecA = backend.Empty(new Shape(0, c.InFeatures));
            _noVecB = backend.Empty(new Shape(0, c.OutFeatures));
        }
    }

    public ProLoraLinear Linear { get; }

    /// <summary>Resident bytes: the compact tensors, and A and B when kept.</summary>
    public long Bytes => (Linear.Adapter.Parameters.Sum(p => p.Value.Count) + (_a?.Count ?? 0) + (_b?.Count ?? 0)) * sizeof(float);

    /// <summary>
    /// Adapter bytes the delta of <paramref name="rows"/> rows reads: the compact tensors, the kept
    /// A and B, or (a bank of compact adapters, many rows) the compact tensors and the A and B built from them.
    /// </summary>
    public long BytesRead(int rows)
    {
        var c = Linear.Config;
        long compact = Linear.Adapter.Parameters.Sum(p => p.Value.Count) * (long)sizeof(float);
        long dense = (long)c.Rank * (c.InFeatures + c.OutFeatures) * sizeof(float);
        return _a is not null ? dense : rows <= RowsPerGather ? compact : compact + (2 * dense);
    }

    /// <summary>
    /// The operands of its gather-multiply per row (<see cref="Backends.IBackend.CompactRowsDeltaMany"/>), for a group of at most
    /// <see cref="RowsPerGather"/> rows: the compact tensors, or the kept A and B as a compact adapter with one copy and no
    /// unshared ranks (chunk_a = A, chunk_b = B).
    /// </summary>
    public CompactOperands RowOperands
    {
        get
        {
            var c = Linear.Config;
            var adapter = Linear.Adapter;
            return _a is not null
                ? new CompactOperands(_a, _noVecA!, 0, _b!, _noVecB!, 0, c.Scaling)
                : new CompactOperands(adapter.ChunkA.Value, adapter.VecA.Value, c.ShiftA, adapter.ChunkB.Value, adapter.VecB.Value, c.ShiftB, c.Scaling);
        }
    }

    /// <summary>
    /// y[rows] += s·x[rows]·Aᵀ·Bᵀ for x (N×in) and y (N×out), both contiguous, <paramref name="rows"/> distinct: two GEMMs over the
    /// gathered rows, with A and B kept or built for the call (for groups larger than <see cref="RowsPerGather"/>).
    /// </summary>
    public void AddDeltaByGemm(Tensor x, Tensor y, int[] rows)
    {
        var c = Linear.Config;
        var adapter = Linear.Adapter;
        var backend = x.Backend;
        bool all = rows.Length == x.Shape[0];
        var a = _a ?? adapter.MaterializeA();
        var b = _b ?? adapter.MaterializeB();
        Tensor? xg = null, delta = null;
        try
        {
            if (!all)
            {
                xg = backend.Empty(new Shape(rows.Length, c.InFeatures));
                backend.Embedding(x, rows, xg);
                delta = backend.Empty(new Shape(rows.Length, c.OutFeatures));
            }
            using var h = backend.Empty(new Shape(rows.Length, c.Rank));
            backend.Gemm(xg ?? x, a.T, h);
            backend.Gemm(h, b.T, delta ?? y, c.Scaling, all ? 1f : 0f);
            if (delta is not null)
            {
                backend.EmbeddingBackward(delta, rows, y);
            }
        }
        finally
        {
            xg?.Dispose();
            delta?.Dispose();
            if (_a is null)
            {
                a.Dispose();
                b.Dispose();
            }
        }
    }

    public void Dispose()
    {
        _a?.Dispose();
        _b?.Dispose();
        _noVecA?.Dispose();
        _noVecB?.Dispose();
        Linear.Dispose();
    }
}
