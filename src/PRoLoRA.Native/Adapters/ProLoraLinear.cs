using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Adapters;

/// <summary>
/// A frozen linear layer (weight out×in, optional bias) with a PRoLoRA adapter:
/// y = x Wᵀ + b + s · dropout(x) Aᵀ Bᵀ. A recorded (training) forward rebuilds A and B from the
/// chunks; under <see cref="Tape.NoGrad"/>, decode-like calls (few rows, m or n above 1, in and out
/// whole multiples of the chunk widths) compute the adapter's part from the compact tensors
/// (<see cref="ProLoraAdapter.CompactDelta"/>).
/// </summary>
public sealed class ProLoraLinear : IDisposable
{
    private readonly bool _ownsBase;

    /// <summary>Combines a frozen base (weight out×in, optional bias of out) with an adapter on the same backend.</summary>
    public ProLoraLinear(Variable weight, Variable? bias, ProLoraAdapter adapter, bool ownsBase = true)
    {
        var c = adapter.Config;
        weight.Value.CheckShape(new Shape(c.OutFeatures, c.InFeatures), "base weight");
        bias?.Value.CheckShape(new Shape(c.OutFeatures), "base bias");
        if (!ReferenceEquals(weight.Value.Backend, adapter.Backend))
        {
            throw new ArgumentException($"base weight lives on {weight.Value.Backend.Name} but the adapter on {adapter.Backend.Name}", nameof(weight));
        }
        Weight = weight;
        Bias = bias;
        Adapter = adapter;
        _ownsBase = ownsBase;
    }

    /// <summary>The frozen base weight, out×in.</summary>
    public Variable Weight { get; }

    /// <summary>The frozen base bias, or null.</summary>
    public Variable? Bias { get; }

    /// <summary>The adapter (config and trainable tensors).</summary>
    public ProLoraAdapter Adapter { get; }

    /// <summary>The adapter's configuration.</summary>
    public ProLoraConfig Config => Adapter.Config;

    /// <summary>
    /// Recorded (training) forward passes so far: each draws a fresh dropout mask seeded by the
    /// adapter's seed and this count. A resumed run sets it back to where the checkpoint was.
    /// </summary>
    public ulong DropoutStep { get; set; }

    /// <summary>True while the delta is merged into <see cref="Weight"/> (the forward then skips the adapter).</summary>
    public bool IsMerged { get; private set; }

    /// <summary>
    /// The forward pass, recorded on <paramref name="tape"/>. x has shape (..., in); y has (..., out).
    /// Dropout is applied only while the tape records.
    /// </summary>
    public Variable Forward(Tape tape, Variable x)
    {
        ArgumentNullException.ThrowIfNull(tape);
        ArgumentNullException.ThrowIfNull(x);
        var c = Config;
        if (x.Shape.Rank < 1 || x.Shape[-1] != c.InFeatures)
        {
            throw new ArgumentException($"x has shape {x.Shape}: its last dimension must be in_features = {c.InFeatures}", nameof(x));
        }
        var outShape = x.Shape.ToArray();
        outShape[^1] = c.OutFeatures;
        int rows = (int)(x.Shape.Count / c.InFeatures);
        var x2 = x.Shape.Rank == 2 ? x : tape.Reshape(x, rows, c.InFeatures);

        var y = tape.MatMul(x2, Weight, transB: true);
        if (Bias is not null)
        {
            y = tape.AddRowVector(y, Bias);
        }
        if (!IsMerged)
        {
            y = AddAdapter(tape, x2, y);
        }
        return x.Shape.Rank == 2 ? y : tape.Reshape(y, outShape);
    }

    /// <summary>
    /// The adapter's part of the forward: y + s · dropout(x) Aᵀ Bᵀ for a 2-D x (rows×in) and y (rows×out).
    /// Internal so that the benchmarks can time the adapter without the frozen base product.
    /// </summary>
    internal Variable AddAdapter(Tape tape, Variable x, Variable y)
    {
        var c = Config;
        if (!tape.IsRecording && UsesCompactProducts(x.Shape[0]) && x.Value.IsContiguous && y.Value.IsContiguous)
        {
            var output = tape.Result(tape.Backend.Empty(y.Shape), false, "prolora_compact");
            tape.Backend.Copy(y.Value, output.Value);
            Adapter.CompactDelta(x.Value, output.Value, c.Scaling);
            return output;
        }
        var xd = x;
        if (c.Dropout > 0f && tape.IsRecording)
        {
            xd = tape.Dropout(x, c.Dropout, DropoutSeed(++DropoutStep));
        }
        var a = tape.BroadcastRollA(Adapter.ChunkA, Adapter.VecA, c.ShiftA);
        var b = tape.BroadcastRollB(Adapter.ChunkB, Adapter.VecB, c.ShiftB);
        var h = tape.MatMul(xd, a, transB: true);
        return tape.AddMatMul(y, h, b, transB: true, alpha: c.Scaling);
    }

    /// <summary>
    /// Rows up to which an inference forward takes the compact products. Measured on 2 CPU cores at
    /// in = out = 4096 (the bench's compact group): with m = n in {4, 8} they take 0.2–0.9 of
    /// materialise-then-GEMM at 1–8 rows, but 1.0–1.6 at 64, where their extra GEMMs for the unshared
    /// ranks cost more than building A and B; with m = n = 1 nothing is saved. A ragged chunking
    /// (m = 7 at 4096) needs batched GEMMs and a GEMM for the cut slice: 0.7–1.7, so it is left out.
    /// </summary>
    internal const int CompactMaxRows = 16;

    /// <summary>
    /// True when an inference forward of <paramref name="rows"/> rows computes the delta from the compact tensors.
    /// CPU only: on an H200 (the bench's compact group, in = out = 4096, 1–16 rows) the compact delta took
    /// 0.042–0.050 ms against 0.023–0.028 for materialise-then-GEMM, its extra launches costing more than
    /// the dense A and B it does not read.
    /// </summary>
    internal bool UsesCompactProducts(int rows)
    {
        var c = Config;
        bool wholeSlices = c.InFeatures % c.ChunkSizeA == 0 && c.OutFeatures % c.ChunkSizeB == 0;
        return Adapter.Backend.Kind == DeviceKind.Cpu && rows <= CompactMaxRows && (c.ReduceA > 1 || c.ReduceB > 1) && wholeSlices;
    }

    private ulong DropoutSeed(ulong step) => ((ulong)(uint)Config.Seed << 32) ^ (0xD1B54A32D192ED03UL * step);

    /// <summary>W += s·B·A: inference then costs one GEMM.</summary>
    /// <exception cref="InvalidOperationException">Already merged, or the base weight is quantised (bf16, NF4).</exception>
    public void Merge()
    {
        if (IsMerged)
        {
            throw new InvalidOperationException("the adapter is already merged");
        }
        if (Weight.Value.DType != TensorDType.Float32)
        {
            throw new InvalidOperationException($"cannot merge into a quantised ({Weight.Value.DType}) base weight: it is frozen as stored, so keep the adapter unmerged, or load the base as float32 to merge");
        }
        AddDelta(Config.Scaling);
        IsMerged = true;
    }

    /// <summary>W −= s·B·A: undoes <see cref="Merge"/>.</summary>
    public void Unmerge()
    {
        if (!IsMerged)
        {
            throw new InvalidOperationException("the adapter is not merged");
        }
        AddDelta(-Config.Scaling);
        IsMerged = false;
    }

    private void AddDelta(float scale)
    {
        using var a = Adapter.MaterializeA();
        using var b = Adapter.MaterializeB();
        Adapter.Backend.Gemm(b, a, Weight.Value, scale, 1f);
    }

    /// <summary>Frees the adapter and, when owned, the base.</summary>
    public void Dispose()
    {
        Adapter.Dispose();
        if (_ownsBase)
        {
            Weight.Release();
            Bias?.Release();
        }
    }
}
