using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Tests.BackendParity;

/// <summary>
/// GEMM: transposed and padded operands, m = 1, n = 1, k = 1, beta 0 and 1; the strided batch with
/// its items as the heads of a token-major matrix, stacked one after another, or one shared item.
/// </summary>
public abstract partial class BackendParityTests
{
    /// <summary>(M, K, N, A transposed, B transposed, alpha, beta, padded operands).</summary>
    public static IEnumerable<TestCaseData> GemmCases() =>
    [
        new(5, 7, 3, false, false, 1f, 0f, false),
        new(5, 7, 3, true, false, 1f, 0f, false),
        new(5, 7, 3, false, true, 0.5f, 1f, false),
        new(5, 7, 3, true, true, -1.5f, 1f, false),
        new(1, 16, 9, false, false, 1f, 0f, false),
        new(1, 16, 9, true, true, 1f, 1f, false),
        new(9, 16, 1, false, true, 1f, 1f, false),
        new(4, 1, 4, false, false, 2f, 0.5f, false),
        new(33, 64, 17, true, false, 1f, 0f, false),
        new(6, 5, 4, false, false, 1f, 1f, true),
        new(6, 5, 4, false, true, 1f, 0f, true),
    ];

    [TestCaseSource(nameof(GemmCases))]
    public void Gemm_MatchesTheDefinition(int m, int k, int n, bool transA, bool transB, float alpha, float beta, bool padded)
    {
        var (a, aHost) = transA ? TransposedPair(m, k) : padded ? PaddedPair(m, k) : RandomPair(m, k);
        var (b, bHost) = transB ? TransposedPair(k, n) : padded ? PaddedPair(k, n, 1) : RandomPair(k, n);
        var (c, expected) = Pair(beta == 0f ? NaNs(m * n) : Randoms(m * n), m, n);
        Backend.Gemm(a, b, c, alpha, beta);
        CpuBackend.Reference.Gemm(aHost, bHost, expected, m, n, k, alpha, beta);
        AssertClose(c, expected, "c", ParityAssert.GemmRelative);
    }

    [Test]
    public void Gemm_BadShapes_NameTheArgument()
    {
        var (a, _) = RandomPair(3, 4);
        var (b, _) = RandomPair(5, 2);
        var (c, _) = RandomPair(3, 2);
        var e = Assert.Throws<ArgumentException>(() => Backend.Gemm(a, b, c));
        Assert.That(e!.ParamName, Is.EqualTo("b"));
        var (b2, _) = RandomPair(4, 2);
        var (c2, _) = RandomPair(2, 2);
        e = Assert.Throws<ArgumentException>(() => Backend.Gemm(a, b2, c2));
        Assert.That(e!.ParamName, Is.EqualTo("c"));
    }

    /// <summary>How the items of a strided batch lie in their storage (each also as the transpose of such a layout).</summary>
    public enum BatchLayout
    {
        /// <summary>Side by side along the rows, as the heads of a token-major matrix: item stride = item width, row stride = batch · width + 2.</summary>
        Heads,

        /// <summary>One after another, rows padded by 3 and one element between items.</summary>
        Stacked,

        /// <summary>One item every index reads: stride 0.</summary>
        Shared,
    }

    /// <summary>(batch, M, K, N, A transposed, B transposed, layouts of a, b and c, alpha, beta).</summary>
    public static IEnumerable<TestCaseData> GemmStridedBatchedCases() =>
    [
        new(4, 5, 3, 6, false, true, BatchLayout.Heads, BatchLayout.Heads, BatchLayout.Stacked, 0.5f, 0f), // scores = q·kᵀ per head
        new(4, 5, 6, 3, false, false, BatchLayout.Stacked, BatchLayout.Heads, BatchLayout.Heads, 1f, 0f),   // out = p·v into the heads
        new(3, 6, 5, 3, true, false, BatchLayout.Stacked, BatchLayout.Heads, BatchLayout.Heads, 1f, 1f),    // dv += pᵀ·do
        new(3, 5, 6, 3, false, false, BatchLayout.Stacked, BatchLayout.Heads, BatchLayout.Heads, -0.75f, 1f),
        new(3, 4, 7, 2, false, false, BatchLayout.Stacked, BatchLayout.Shared, BatchLayout.Stacked, -1.5f, 0.5f),
        new(2, 4, 7, 5, true, true, BatchLayout.Shared, BatchLayout.Stacked, BatchLayout.Stacked, 1f, 0f),
        new(1, 33, 17, 9, true, true, BatchLayout.Heads, BatchLayout.Stacked, BatchLayout.Stacked, 1f, 0f),
        new(8, 1, 16, 5, false, true, BatchLayout.Heads, BatchLayout.Heads, BatchLayout.Stacked, 1f, 0f),   // one query (decoding)
        new(5, 4, 1, 1, false, false, BatchLayout.Heads, BatchLayout.Heads, BatchLayout.Heads, 2f, 0f),
    ];

    [TestCaseSource(nameof(GemmStridedBatchedCases))]
    public void GemmStridedBatched_MatchesTheDefinition(int batch, int m, int k, int n, bool transA, bool transB, BatchLayout aLayout, BatchLayout bLayout, BatchLayout cLayout, float alpha, float beta)
    {
        var a = Batch(batch, m, k, aLayout, transA);
        var b = Batch(batch, k, n, bLayout, transB);
        var c = Batch(batch, m, n, cLayout, transposed: false, nanFilled: beta == 0f);
        var expected = c.Stored.ToArray();
        var cItems = (float[])c.Items.Clone();
        Backend.GemmStridedBatched(batch, a.View, a.Stride, b.View, b.Stride, c.View, c.Stride, alpha, beta);
        CpuBackend.Reference.GemmStridedBatched(a.Items, b.Items, cItems, batch, m, n, k, alpha, beta);
        c.Scatter(cItems, expected);
        AssertClose(c.Stored, expected, "c's storage", ParityAssert.GemmRelative);
    }

    [Test]
    public void GemmStridedBatched_OfNoItems_TouchesNothing()
    {
        var (a, _) = RandomPair(3, 4);
        var (c, cHost) = RandomPair(3, 3);
        Backend.GemmStridedBatched(0, a, 12, a.T, 12, c, 9);
        AssertExact(c, cHost, "c");
    }

    [Test]
    public void GemmStridedBatched_BadArguments_NameTheArgument()
    {
        var (a, _) = RandomPair(3, 4);
        var (b, _) = RandomPair(4, 2);
        var (c, _) = RandomPair(3, 2);
        var (wide, _) = RandomPair(2, 12);
        var cHeads = wide.View(new Shape(2, 4), [12, 1], 0);
        Assert.Multiple(() =>
        {
            Assert.That(() => Backend.GemmStridedBatched(2, a, 12, b, 0, c, 6), Throws.ArgumentException.With.Property("ParamName").EqualTo("strideA"), "a's second item is past its storage");
            Assert.That(() => Backend.GemmStridedBatched(2, a, 0, b, 1, c, 6), Throws.ArgumentException.With.Property("ParamName").EqualTo("strideB"));
            Assert.That(() => Backend.GemmStridedBatched(2, a, 0, b, 0, c, 1), Throws.ArgumentException.With.Property("ParamName").EqualTo("strideC"));
            Assert.That(() => Backend.GemmStridedBatched(3, wide.View(new Shape(2, 2), [12, 1], 0), 0, b.Reshape(2, 4), 0, cHeads, 3),
                Throws.ArgumentException.With.Property("ParamName").EqualTo("strideC").And.Message.Contains("overlap"));
            Assert.That(() => Backend.GemmStridedBatched(1, a, 0, b, 0, c.Reshape(2, 3).T, 0), Throws.ArgumentException.With.Property("ParamName").EqualTo("c"));
            Assert.That(() => Backend.GemmStridedBatched(-1, a, 0, b, 0, c, 0), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("batch"));
            Assert.That(() => Backend.GemmStridedBatched(1, a, -1, b, 0, c, 0), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("strideA"));
            Assert.That(() => Backend.GemmStridedBatched(1, a, 0, a, 0, c, 0), Throws.ArgumentException.With.Property("ParamName").EqualTo("b"));
        });
    }

    /// <summary>
    /// A batch of rows×cols items laid out as <paramref name="layout"/> (for a transposed view, the
    /// stored matrix is the item's transpose in that layout) at offset 1 of a stored tensor, with their
    /// logical contents one item after another.
    /// </summary>
    private BatchOperand Batch(int batch, int rows, int cols, BatchLayout layout, bool transposed, bool nanFilled = false)
    {
        var (sr, sc) = transposed ? (cols, rows) : (rows, cols);
        var (ld, stride) = layout switch
        {
            BatchLayout.Heads => ((batch * sc) + 2, sc),
            BatchLayout.Stacked => (sc + 3, (sr * (sc + 3)) + 1),
            _ => (sc + 1, 0),
        };
        long length = 1 + (layout == BatchLayout.Stacked ? batch * stride : sr * ld);
        var (stored, data) = Pair(nanFilled ? NaNs(length) : Randoms(length), (int)length);
        var view = stored.View(new Shape(sr, sc), [ld, 1], 1);
        return new BatchOperand(transposed ? view.T : view, stored, stride, batch, rows, cols, data);
    }

    /// <summary>A strided batch's first item, its stored tensor and item stride, and the items' logical contents (batch × rows×cols).</summary>
    private sealed class BatchOperand
    {
        private readonly int _s0, _s1, _batch, _rows, _cols;

        public BatchOperand(Tensor view, Tensor stored, int stride, int batch, int rows, int cols, float[] data)
        {
            (View, Stored, Stride, _batch, _rows, _cols) = (view, stored, stride, batch, rows, cols);
            (_s0, _s1) = (view.Strides[0], view.Strides[1]);
            Items = new float[batch * rows * cols];
            for (int e = 0; e < Items.Length; e++)
            {
                Items[e] = data[At(e)];
            }
        }

        public Tensor View { get; }

        public Tensor Stored { get; }

        public long Stride { get; }

        public float[] Items { get; }

        /// <summary>Writes the logical items into a host copy of the storage.</summary>
        public void Scatter(float[] items, float[] storage)
        {
            for (int e = 0; e < items.Length; e++)
            {
                storage[At(e)] = items[e];
            }
        }

        /// <summary>Where logical element e (item, row, column) lies in the storage.</summary>
        private long At(int e)
        {
            int item = e / (_rows * _cols), r = e / _cols % _rows, c = e % _cols;
            return 1 + (item * Stride) + ((long)r * _s0) + ((long)c * _s1);
        }
    }
}
