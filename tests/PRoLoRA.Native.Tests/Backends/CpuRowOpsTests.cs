using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Tensors;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Backends;

/// <summary>
/// The CPU's row-wise LLaMA ops split their rows over the cores (<see cref="CpuRows"/>) and small batched
/// products run one per thread: each result must be bit for bit what the op gives for that row, or that item,
/// alone (which runs on one thread), so nothing depends on the thread count.
/// </summary>
public class CpuRowOpsTests
{
    private static CpuBackend Be => CpuBackend.Instance;

    [TestCase(0, 2)]
    [TestCase(1, 4)]
    [TestCase(5, 2)]
    [TestCase(37, 2)]
    [TestCase(1000, 3)]
    [TestCase(1000, 1)]
    public void For_CoversEveryRowOnce(int rows, int threads)
    {
        var hits = new int[rows];
        CpuRows.For(rows, 1 << 12, threads, (start, end) =>
        {
            for (int r = start; r < end; r++)
            {
                Interlocked.Increment(ref hits[r]);
            }
        });
        Assert.That(hits, Is.All.EqualTo(1));
    }

    [Test]
    public void RmsNorm_EachRowAsAlone()
    {
        const int rows = 300, cols = 136;
        using var x = Be.FromArray(Rand.Uniform(1, rows * cols), new Shape(rows, cols));
        using var w = Be.FromArray(Rand.Uniform(2, cols), new Shape(cols));
        using var dy = Be.FromArray(Rand.Uniform(3, rows * cols), new Shape(rows, cols));
        using var y = Be.Empty(x.Shape);
        using var rstd = Be.Empty(new Shape(rows));
        using var dx = Be.Empty(x.Shape);
        using var dw = Be.Zeros(w.Shape);
        Be.RmsNorm(x, w, 1e-5f, y, rstd);
        Be.RmsNormBackward(x, w, rstd, dy, dx, dw, 0f);
        var expectedDw = new float[cols];
        for (int r = 0; r < rows; r += 37)
        {
            using var xr = Row(x, r);
            using var dyr = Row(dy, r);
            using var yr = Be.Empty(xr.Shape);
            using var rr = Be.Empty(new Shape(1));
            using var dxr = Be.Empty(xr.Shape);
            using var dwr = Be.Zeros(w.Shape);
            Be.RmsNorm(xr, w, 1e-5f, yr, rr);
            Be.RmsNormBackward(xr, w, rr, dyr, dxr, dwr, 0f);
            FloatAssert.Exact(yr.ToArray(), y.ToArray().AsSpan(r * cols, cols).ToArray(), $"output row {r}");
            FloatAssert.Exact(dxr.ToArray(), dx.ToArray().AsSpan(r * cols, cols).ToArray(), $"dx row {r}");
        }
        // The weight's gradient: rows added in order, as one thread would.
        var xs = x.ToArray();
        var dys = dy.ToArray();
        var rs = rstd.ToArray();
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < cols; j++)
            {
                expectedDw[j] += dys[(r * cols) + j] * (xs[(r * cols) + j] * rs[r]);
            }
        }
        FloatAssert.Exact(dw.ToArray(), expectedDw, "dWeight");
    }

    [Test]
    public void Rope_EachRowAsAlone()
    {
        const int rows = 400, cols = 4 * 28;
        using var x = Be.FromArray(Rand.Uniform(4, rows * cols), new Shape(rows, cols));
        int[] positions = [.. Enumerable.Range(0, rows).Select(r => (r * 7) % 131)];
        using var y = Be.Empty(x.Shape);
        Be.Rope(x, positions, 28, 10000f, 1f, y, inverse: false);
        for (int r = 0; r < rows; r += 41)
        {
            using var xr = Row(x, r);
            using var yr = Be.Empty(xr.Shape);
            Be.Rope(xr, [positions[r]], 28, 10000f, 1f, yr, inverse: false);
            FloatAssert.Exact(yr.ToArray(), y.ToArray().AsSpan(r * cols, cols).ToArray(), $"row {r}");
        }
    }

    [Test]
    public void CausalSoftmax_EachRowAsAlone()
    {
        const int heads = 6, queries = 64, keys = 64;
        var shape = new Shape(heads * queries, keys);
        using var s = Be.FromArray(Rand.Uniform(5, shape.Count, 4f), shape);
        using var dp = Be.FromArray(Rand.Uniform(6, shape.Count), shape);
        using var p = Be.Empty(shape);
        using var ds = Be.Empty(shape);
        Be.CausalSoftmax(s, queries, 0, heads * queries, [], p);
        Be.CausalSoftmaxBackward(p, dp, ds);
        for (int r = 0; r < heads * queries; r += 29)
        {
            using var sr = Row(s, r);
            using var dpr = Row(dp, r);
            using var pr = Be.Empty(sr.Shape);
            using var dsr = Be.Empty(sr.Shape);
            Be.CausalSoftmax(sr, 1, r % queries, 1, [], pr);
            Be.CausalSoftmaxBackward(pr, dpr, dsr);
            FloatAssert.Exact(pr.ToArray(), p.ToArray().AsSpan(r * keys, keys).ToArray(), $"probabilities row {r}");
            FloatAssert.Exact(dsr.ToArray(), ds.ToArray().AsSpan(r * keys, keys).ToArray(), $"dScores row {r}");
        }
    }

    [Test]
    public void GemmStridedBatched_SmallItemsAsAlone()
    {
        // Attention's heads at a short length: items side by side in token-major rows, too small to split.
        const int items = 8, t = 40, d = 24;
        using var q = Be.FromArray(Rand.Uniform(7, t * items * d), new Shape(t, items * d));
        using var k = Be.FromArray(Rand.Uniform(8, t * items * d), new Shape(t, items * d));
        using var scores = Be.FromArray(Rand.Uniform(9, items * t * t), new Shape(items * t, t));
        var head = new Shape(t, d);
        int[] rowMajor = [items * d, 1];
        Be.GemmStridedBatched(items, q.View(head, rowMajor, 0), d, k.View(head, rowMajor, 0).T, d, scores.View(new Shape(t, t), [t, 1], 0), t * t, 0.5f, 1f);
        var batched = scores.ToArray();
        using var again = Be.FromArray(Rand.Uniform(9, items * t * t), new Shape(items * t, t));
        for (int i = 0; i < items; i++)
        {
            Be.Gemm(q.View(head, rowMajor, i * d), k.View(head, rowMajor, i * d).T, again.View(new Shape(t, t), [t, 1], i * t * t), 0.5f, 1f);
        }
        FloatAssert.Exact(batched, again.ToArray(), "scores");
    }

    private static Tensor Row(Tensor t, int r)
    {
        int cols = t.Shape[1];
        return Be.FromArray(t.ToArray().AsSpan(r * cols, cols).ToArray(), new Shape(1, cols));
    }
}
