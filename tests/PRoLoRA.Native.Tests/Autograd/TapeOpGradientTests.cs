using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Tensors;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Autograd;

public class TapeOpGradientTests
{
    private static Tensor T(int seed, params int[] shape) => CpuBackend.Instance.FromArray(Rand.Uniform(seed, new Shape(shape).Count), new Shape(shape));

    [TestCase(false, false)]
    [TestCase(true, false)]
    [TestCase(false, true)]
    [TestCase(true, true)]
    public void MatMul(bool transA, bool transB)
    {
        var a = transA ? T(1, 4, 3) : T(1, 3, 4);
        var b = transB ? T(2, 5, 4) : T(2, 4, 5);
        GradientCheck.Check((t, v) => t.MatMul(v[0], v[1], transA, transB, alpha: 0.7f), [a, b]);
    }

    [TestCase(false, false)]
    [TestCase(true, false)]
    [TestCase(false, true)]
    [TestCase(true, true)]
    public void AddMatMul(bool transA, bool transB)
    {
        var a = transA ? T(1, 4, 3) : T(1, 3, 4);
        var b = transB ? T(2, 5, 4) : T(2, 4, 5);
        GradientCheck.Check((t, v) => t.AddMatMul(v[2], v[0], v[1], transA, transB, alpha: 0.7f), [a, b, T(3, 3, 5)]);
    }

    [Test]
    public void Add_WithTheSameInputTwice_AccumulatesBothPaths()
        => GradientCheck.Check((t, v) => t.Add(t.Add(v[0], v[1]), v[0]), [T(1, 3, 4), T(2, 3, 4)]);

    [Test]
    public void Scale() => GradientCheck.Check((t, v) => t.Scale(v[0], -2.5f), [T(1, 2, 5)]);

    [Test]
    public void AddRowVector() => GradientCheck.Check((t, v) => t.AddRowVector(v[0], v[1]), [T(1, 4, 3), T(2, 3)]);

    [Test]
    public void Reshape() => GradientCheck.Check((t, v) => t.MatMul(t.Reshape(v[0], 3, 4), v[1]), [T(1, 2, 6), T(2, 4, 2)]);

    [TestCase(10, 3, 1, 2, 0)]
    [TestCase(10, 3, 1, 2, 1)]
    [TestCase(8, 4, 0, 2, 3)]
    [TestCase(7, 7, 2, 2, 5)]
    [TestCase(9, 2, 3, 4, 1)]
    public void BroadcastRollA(int dim, int reduce, int u, int rs, int shift)
    {
        int cs = (dim + reduce - 1) / reduce;
        GradientCheck.Check((t, v) => t.BroadcastRollA(v[0], v[1], shift), [T(1, rs, cs), T(2, u, dim)]);
    }

    [TestCase(7, 4, 0, 3, 1)]
    [TestCase(12, 5, 2, 4, 2)]
    [TestCase(6, 1, 1, 2, 0)]
    public void BroadcastRollB(int dim, int reduce, int u, int rs, int shift)
    {
        int cs = (dim + reduce - 1) / reduce;
        GradientCheck.Check((t, v) => t.BroadcastRollB(v[0], v[1], shift), [T(1, cs, rs), T(2, u, dim)]);
    }

    [Test]
    public void Dropout() => GradientCheck.Check((t, v) => t.Dropout(v[0], 0.4f, 1234), [T(1, 6, 7)]);

    [Test]
    public void Relu()
    {
        var x = Rand.Uniform(1, 30).Select(v => v + (v >= 0 ? 0.1f : -0.1f)).ToArray();
        GradientCheck.Check((t, v) => t.Relu(v[0]), [CpuBackend.Instance.FromArray(x, new Shape(5, 6))], eps: 1e-2);
    }

    [Test]
    public void Silu() => GradientCheck.Check((t, v) => t.Silu(v[0]), [T(1, 5, 6)]);

    [Test]
    public void Embedding_WithRepeatedIds() => GradientCheck.Check((t, v) => t.Embedding(v[0], [2, 0, 2, 3, 2]), [T(1, 4, 3)]);

    [Test]
    public void SoftmaxCrossEntropy() => GradientCheck.Check((t, v) => t.SoftmaxCrossEntropy(v[0], [1, 0, 4]), [T(1, 3, 5)], eps: 1e-3);

    [Test]
    public void SoftmaxCrossEntropy_WithIgnoredTargets() => GradientCheck.Check((t, v) => t.SoftmaxCrossEntropy(v[0], [1, -1, 4, -1]), [T(1, 4, 5)], eps: 1e-3);

    [Test]
    public void Mul() => GradientCheck.Check((t, v) => t.Mul(v[0], v[1]), [T(1, 3, 4), T(2, 3, 4)]);

    [Test]
    public void Mul_OfAnInputWithItself() => GradientCheck.Check((t, v) => t.Mul(v[0], v[0]), [T(1, 2, 5)]);

    [TestCase(1, 1)]
    [TestCase(3, 7)]
    public void RmsNorm(int rows, int cols) => GradientCheck.Check((t, v) => t.RmsNorm(v[0], v[1], 1e-5f), [T(1, rows, cols), T(2, cols)]);

    [Test]
    public void RmsNorm_OfARank3Input_NormalisesTheLastDimension()
        => GradientCheck.Check((t, v) => t.RmsNorm(v[0], v[1], 1e-2f), [T(1, 2, 3, 4), T(2, 4)]);

    [Test]
    public void RmsNorm_WithAFrozenWeight() => GradientCheck.Check((t, v) => t.RmsNorm(v[0], Variable.Constant(T(2, 6)), 1e-5f), [T(1, 2, 6)]);

    [TestCase(2, 1f)]
    [TestCase(8, 1f)]
    [TestCase(4, 2.5f)]
    public void Rope(int headDim, float positionScale)
        => GradientCheck.Check((t, v) => t.Rope(v[0], [0, 3, 100], headDim, 10000f, positionScale), [T(1, 3, 2 * headDim)]);

    /// <summary>(batch, queries, keys, heads, kvHeads, headDim, queryOffset, masked).</summary>
    [TestCase(1, 3, 3, 2, 2, 3, 0, false)]
    [TestCase(2, 3, 3, 4, 2, 2, 0, false)]
    [TestCase(2, 2, 5, 4, 1, 3, 3, true)]
    [TestCase(1, 1, 4, 3, 1, 2, 3, false)]
    [TestCase(2, 3, 4, 2, 2, 2, 1, true)]
    public void Attention(int batch, int queries, int keys, int heads, int kvHeads, int headDim, int queryOffset, bool masked)
    {
        int[]? mask = masked ? Enumerable.Range(0, batch * keys).Select(i => i % keys == 1 ? 0 : 1).ToArray() : null;
        var shape = new AttentionShape(batch, queries, keys, heads, kvHeads, headDim, queryOffset, mask);
        GradientCheck.Check((t, v) => t.Attention(v[0], v[1], v[2], shape),
            [T(1, batch * queries, heads * headDim), T(2, batch * keys, kvHeads * headDim), T(3, batch * keys, kvHeads * headDim)]);
    }

    [TestCase(0, 2, 2, false, false)]
    [TestCase(1, 3, 2, false, true)]
    [TestCase(4, 1, 1, true, true)]
    public void ProLoraLinear_InputAndEveryAdapterTensor(int unshared, int reduceA, int reduceB, bool rslora, bool bias)
    {
        var be = CpuBackend.Instance;
        var config = new ProLoraConfig { InFeatures = 9, OutFeatures = 8, Rank = 4, UnsharedRank = unshared, ReduceA = reduceA, ReduceB = reduceB, UseRsLora = rslora };
        var adapter = new ProLoraAdapter(config, T(2, config.SharedRank, config.ChunkSizeA), T(3, unshared, 9), T(4, config.ChunkSizeB, config.SharedRank), T(5, unshared, 8));
        using var layer = new ProLoraLinear(Variable.Constant(T(6, 8, 9)), bias ? Variable.Constant(T(7, 8)) : null, adapter);
        var x = Variable.Input(T(1, 2, 3, 9), "x");
        GradientCheck.Check((t, _) => layer.Forward(t, x), [x, adapter.ChunkA, adapter.VecA, adapter.ChunkB, adapter.VecB]);
    }
}
