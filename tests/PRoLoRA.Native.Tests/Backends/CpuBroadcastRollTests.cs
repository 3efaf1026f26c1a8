using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Tensors;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Backends;

/// <summary>The CPU broadcast-roll, in each of its layouts, against DESIGN.md §1's formulas written out directly.</summary>
public class CpuBroadcastRollTests
{
    private static readonly CpuBackend Cpu = CpuBackend.Instance;

    public enum Layout
    {
        RowMajor,
        Transposed,
        Mixed,
    }

    private static Tensor Matrix(float[] rowMajor, int rows, int cols, bool transposed)
    {
        if (!transposed)
        {
            return Cpu.FromArray(rowMajor, new Shape(rows, cols));
        }
        var t = new float[rowMajor.Length];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                t[(j * rows) + i] = rowMajor[(i * cols) + j];
            }
        }
        return Cpu.FromArray(t, new Shape(cols, rows)).T;
    }

    private static IEnumerable<TestCaseData> Cases()
    {
        int[][] shapes = [[10, 3, 1, 2, 1], [8, 4, 0, 3, 1], [13, 4, 2, 5, 2], [9, 1, 1, 3, 7], [7, 7, 0, 4, 0], [6, 2, 3, 0, 1], [11, 3, 1, 6, 5]];
        foreach (var layout in Enum.GetValues<Layout>())
        {
            foreach (var s in shapes)
            {
                yield return new TestCaseData(layout, s[0], s[1], s[2], s[3], s[4]);
            }
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void ForwardAndGradient_MatchTheDefinition(Layout layout, int dim, int reduce, int u, int rs, int shift)
    {
        int cs = (dim + reduce - 1) / reduce, r = rs + u;
        var chunk = Rand.Uniform(1, rs * cs);
        var vec = Rand.Uniform(2, u * dim);
        var dFull = Rand.Uniform(3, r * dim);
        bool chunkT = layout == Layout.Transposed, fullT = layout != Layout.RowMajor;

        var full = Matrix(new float[r * dim], r, dim, fullT);
        Cpu.BroadcastRoll(Matrix(chunk, rs, cs, chunkT), Cpu.FromArray(vec, new Shape(u, dim)), full, shift);
        var got = full.ToArray();
        for (int i = 0; i < r; i++)
        {
            for (int p = 0; p < dim; p++)
            {
                int k = p / cs;
                float expected = i < rs ? chunk[((i + (k * shift)) % rs * cs) + (p % cs)] : vec[((i - rs) * dim) + p];
                Assert.That(got[(i * dim) + p], Is.EqualTo(expected), $"full[{i}, {p}]");
            }
        }

        var dChunk = Matrix(Enumerable.Repeat(0.5f, rs * cs).ToArray(), rs, cs, chunkT);
        var dVec = Cpu.FromArray(Enumerable.Repeat(0.5f, u * dim).ToArray(), new Shape(u, dim));
        Cpu.BroadcastRollGrad(Matrix(dFull, r, dim, fullT), dChunk, dVec, shift, 2f);
        var gotChunk = dChunk.ToArray();
        for (int q = 0; q < rs; q++)
        {
            for (int j = 0; j < cs; j++)
            {
                double expected = 1.0;
                for (int k = 0; (k * cs) + j < dim; k++)
                {
                    expected += dFull[((((q - (k * shift)) % rs) + rs) % rs * dim) + (k * cs) + j];
                }
                Assert.That(gotChunk[(q * cs) + j], Is.EqualTo(expected).Within(1e-5), $"dchunk[{q}, {j}]");
            }
        }
        var gotVec = dVec.ToArray();
        for (int t = 0; t < u * dim; t++)
        {
            Assert.That(gotVec[t], Is.EqualTo(1f + dFull[(rs * dim) + t]).Within(1e-6), $"dvec[{t}]");
        }
    }
}
