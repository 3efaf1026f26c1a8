using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Backends.Cuda;
using PRoLoRA.Native.Quantization;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Tests.HostKernels;

/// <summary>
/// A disposed CudaBackend refuses every op with ObjectDisposedException instead of handing freed
/// device memory, a destroyed stream or cuBLAS handle to the driver (a native crash on a GPU). Run
/// over the host shim, with operands made before the disposal; every op of IBackend has a case.
/// </summary>
public sealed class DisposedBackendTests
{
    private static readonly AdamWStep Step = new(1e-3f, 0.9f, 0.999f, 1e-8f, 0f, 1);

    private static readonly Dictionary<string, Action<IBackend, Operands>> Ops = new()
    {
        ["Empty"] = (be, _) => be.Empty(new Shape(2, 2)),
        ["Zeros"] = (be, _) => be.Zeros(new Shape(2, 2)),
        ["FromArray"] = (be, _) => be.FromArray([1f, 2f, 3f, 4f], new Shape(2, 2)),
        ["FromQuantized"] = (be, _) => be.FromQuantized(QuantizedMatrix.Quantize([1f, 2f, 3f, 4f], 2, 2, TensorDType.Nf4)),
        ["CopyToHost"] = (be, o) => be.CopyToHost(o.A, new float[4]),
        ["CopyFromHost"] = (be, o) => be.CopyFromHost([1f, 2f, 3f, 4f], o.A),
        ["Copy"] = (be, o) => be.Copy(o.A, o.B),
        ["Synchronize"] = (be, _) => be.Synchronize(),
        ["Gemm"] = (be, o) => be.Gemm(o.A, o.B, o.C),
        ["GemmStridedBatched"] = (be, o) => be.GemmStridedBatched(1, o.Vec.T, 0, o.Vec, 0, o.A, 0, 1f, 1f),
        ["BroadcastRoll"] = (be, o) => be.BroadcastRoll(o.Chunk, o.Vec, o.Full, 1),
        ["BroadcastRollGrad"] = (be, o) => be.BroadcastRollGrad(o.Full, o.Chunk, o.Vec, 1, 0f),
        ["RollReduce"] = (be, o) => be.RollReduce(o.A, o.Vec, 2, 1, 0f),
        ["RollSpread"] = (be, o) => be.RollSpread(o.Vec, o.C, 2, 1),
        ["CompactRowsDelta"] = (be, o) => be.CompactRowsDelta(o.A, [0], o.Chunk, o.Vec, 1, o.Chunk, o.Vec, 1, o.C, 1f),
        ["CompactRowsDeltaMany"] = (be, o) => be.CompactRowsDeltaMany(o.A, [0, 1], [0, 0], [new CompactOperands(o.Chunk, o.Vec, 1, o.Chunk, o.Vec, 1, 1f)], o.C),
        ["Fill"] = (be, o) => be.Fill(o.A, 1f),
        ["Axpby"] = (be, o) => be.Axpby(1f, o.A, 1f, o.B),
        ["Mul"] = (be, o) => be.Mul(o.A, o.B, o.C),
        ["Dropout"] = (be, o) => be.Dropout(o.A, 0.5f, 7, o.B, o.C),
        ["AddRowVector"] = (be, o) => be.AddRowVector(o.A, o.Row, o.C),
        ["SumRows"] = (be, o) => be.SumRows(o.A, o.Row, 0f),
        ["Relu"] = (be, o) => be.Relu(o.A, o.C),
        ["ReluBackward"] = (be, o) => be.ReluBackward(o.A, o.B, o.C, 0f),
        ["Silu"] = (be, o) => be.Silu(o.A, o.C),
        ["SiluBackward"] = (be, o) => be.SiluBackward(o.A, o.B, o.C, 0f),
        ["RmsNorm"] = (be, o) => be.RmsNorm(o.A, o.Row, 1e-6f, o.C, o.Row),
        ["RmsNormBackward"] = (be, o) => be.RmsNormBackward(o.A, o.Row, o.Row, o.B, o.C, o.Row, 0f),
        ["Rope"] = (be, o) => be.Rope(o.A, [0, 3], 2, 10000f, 1f, o.C, false),
        ["CausalSoftmax"] = (be, o) => be.CausalSoftmax(o.A, 2, 0, 2, [], o.C),
        ["CausalSoftmaxBackward"] = (be, o) => be.CausalSoftmaxBackward(o.A, o.B, o.C),
        ["SumOfSquares"] = (be, o) => be.SumOfSquares(o.A),
        ["Embedding"] = (be, o) => be.Embedding(o.A, [0, 1], o.C),
        ["EmbeddingBackward"] = (be, o) => be.EmbeddingBackward(o.C, [0, 1], o.A),
        ["SoftmaxCrossEntropy"] = (be, o) => be.SoftmaxCrossEntropy(o.A, [0, 1], o.C),
        ["AdamW"] = (be, o) => be.AdamW(o.A, o.B, o.C, o.D, Step),
        ["ReleaseCachedMemory"] = (be, _) => ((CudaBackend)be).ReleaseCachedMemory(),
    };

    public static IEnumerable<string> OpNames => Ops.Keys;

    [TestCaseSource(nameof(OpNames))]
    public void EveryOp_OfADisposedBackend_ThrowsObjectDisposed(string op)
    {
        var backend = new CudaBackend(new HostShimDevice(HostKernelLibrary.Require()));
        var operands = new Operands(backend);
        Assert.That(() => Ops[op](backend, operands), Throws.Nothing, "the case is valid on a live backend");
        backend.Dispose();

        Assert.That(() => Ops[op](backend, operands), Throws.InstanceOf<ObjectDisposedException>());
        Assert.That(() => operands.Dispose(), Throws.Nothing, "tensors may still be disposed after their backend");
    }

    [Test]
    public void EveryOpOfTheContract_HasACase()
    {
        var contract = typeof(IBackend).GetMethods().Where(m => !m.IsSpecialName).Select(m => m.Name).Distinct();
        Assert.That(Ops.Keys, Is.SupersetOf(contract));
    }

    [Test]
    public void Dispose_IsIdempotent()
    {
        var backend = new CudaBackend(new HostShimDevice(HostKernelLibrary.Require()));
        backend.Dispose();
        Assert.That(backend.Dispose, Throws.Nothing);
    }

    /// <summary>Small operands every op accepts: 2×2 matrices, a 1×2 row, and broadcast-roll's chunk (1×1), vec (1×2) and full (2×2).</summary>
    private sealed class Operands(IBackend be) : IDisposable
    {
        public Tensor A { get; } = be.FromArray([0.5f, 1f, 1.5f, 2f], new Shape(2, 2));

        public Tensor B { get; } = be.FromArray([1f, 0f, 0f, 1f], new Shape(2, 2));

        public Tensor C { get; } = be.Zeros(new Shape(2, 2));

        public Tensor D { get; } = be.FromArray([1f, 1f, 1f, 1f], new Shape(2, 2));

        public Tensor Row { get; } = be.Zeros(new Shape(2));

        public Tensor Chunk { get; } = be.FromArray([1f], new Shape(1, 1));

        public Tensor Vec { get; } = be.FromArray([2f, 3f], new Shape(1, 2));

        public Tensor Full { get; } = be.Zeros(new Shape(2, 2));

        public void Dispose()
        {
            foreach (var t in new[] { A, B, C, D, Row, Chunk, Vec, Full })
            {
                t.Dispose();
            }
        }
    }
}
