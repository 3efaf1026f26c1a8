using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Serving;

/// <summary>One adapted linear of a banked adapter: its compact adapter over the model's frozen base, and its A and B when the bank keeps them.</summary>
internal sealed class BankedLinear : IDisposable
{
    private readonly Tensor? _a;
    private readonly Tensor? _b;

    public BankedLinear(ProLoraLinear linear, AdapterProducts products)
    {
        Linear = linear;
        if (products == AdapterProducts.Materialised)
        {
            _a = linear.Adapter.MaterializeA();
            _b = linear.Adapter.MaterializeB();
        }
    }

    public ProLoraLinear Linear { get; }

    /// <summary>Resident bytes: the compact tensors, and A and B when kept.</summary>
    public long Bytes => (Linear.Adapter.Parameters.Sum(p => p.Value.Count) + (_a?.Count ?? 0) + (_b?.Count ?? 0)) * sizeof(float);

    /// <summary>y = beta·y + s·x·Aᵀ·Bᵀ for x (rows×in) and y (rows×out), both contiguous.</summary>
    public void AddDelta(Tensor x, Tensor y, float beta)
    {
        var c = Linear.Config;
        if (_a is null && Linear.UsesCompactProducts(x.Shape[0]))
        {
            Linear.Adapter.CompactDelta(x, y, c.Scaling, beta);
            return;
        }
        var backend = x.Backend;
        var a = _a ?? Linear.Adapter.MaterializeA();
        var b = _b ?? Linear.Adapter.MaterializeB();
        try
        {
            using var h = backend.Empty(new Shape(x.Shape[0], c.Rank));
            backend.Gemm(x, a.T, h);
            backend.Gemm(h, b.T, y, c.Scaling, beta);
        }
        finally
        {
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
        Linear.Dispose();
    }
}
