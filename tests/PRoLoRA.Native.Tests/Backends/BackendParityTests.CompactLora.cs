using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Tensors;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.BackendParity;

/// <summary>
/// Roll-reduce and roll-spread against their definitions, and the compact products
/// (<see cref="CompactProducts"/>) against the products with the materialised A and B, both the
/// plain formulas (<see cref="CpuBackend.Reference.BroadcastRoll"/>, products in double) and this
/// backend's own BroadcastRoll and GEMM, over <see cref="CompactCase.All"/>.
/// </summary>
public abstract partial class BackendParityTests
{
    /// <summary>(rows, rs, copies, shift) of the roll ops: one copy, shifts of 0, past rs, rs = 1.</summary>
    public static IEnumerable<TestCaseData> RollSpreadCases() =>
        new (int Rows, int Rs, int Copies, int Shift)[] { (3, 7, 4, 1), (1, 8, 7, 2), (5, 6, 1, 3), (2, 5, 3, 0), (4, 5, 6, 13), (3, 1, 5, 1), (9, 16, 8, 2) }
            .Select(c => new TestCaseData(c.Rows, c.Rs, c.Copies, c.Shift));

    /// <summary>The roll cases with beta 0, 1 and 0.5.</summary>
    public static IEnumerable<TestCaseData> RollReduceCases() =>
        RollSpreadCases().SelectMany(d => new[] { 0f, 1f, 0.5f }.Select(beta => new TestCaseData(d.Arguments[0], d.Arguments[1], d.Arguments[2], d.Arguments[3], beta)));

    /// <summary>Every compact case.</summary>
    public static IEnumerable<TestCaseData> CompactCases() => CompactCase.All().Select(c => new TestCaseData(c));

    [TestCaseSource(nameof(RollReduceCases))]
    public void RollReduce_MatchesTheDefinition(int rows, int rs, int copies, int shift, float beta)
    {
        var (p, pHost) = RandomPair(rows * copies, rs);
        var expected = beta == 0f ? NaNs(rows * rs) : Randoms(rows * rs);
        var (h, _) = Pair(expected, rows, rs);
        Backend.RollReduce(p, h, copies, shift, beta);
        CpuBackend.Reference.RollReduce(pHost, expected, rows, rs, copies, shift, beta);
        AssertClose(h, expected, "h", ParityAssert.SumRelative);
    }

    [TestCaseSource(nameof(RollSpreadCases))]
    public void RollSpread_MatchesTheDefinition(int rows, int rs, int copies, int shift)
    {
        var (h, hHost) = RandomPair(rows, rs);
        var (g, _) = Pair(NaNs(rows * copies * rs), rows * copies, rs);
        Backend.RollSpread(h, g, copies, shift);
        AssertExact(g, CpuBackend.Reference.RollSpread(hHost, rows, rs, copies, shift), "g");
    }

    [Test]
    public void RollSpread_IsTheAdjointOfRollReduce()
    {
        // <RollSpread(h), p> = <h, RollReduce(p)> for any h and p.
        const int rows = 3, rs = 7, copies = 5, shift = 3;
        var (h, hHost) = RandomPair(rows, rs);
        var (p, pHost) = RandomPair(rows * copies, rs);
        var (g, _) = Pair(new float[rows * copies * rs], rows * copies, rs);
        var (reduced, _) = Pair(new float[rows * rs], rows, rs);
        Backend.RollSpread(h, g, copies, shift);
        Backend.RollReduce(p, reduced, copies, shift, 0f);
        double left = g.ToArray().Zip(pHost, (a, b) => (double)a * b).Sum();
        double right = reduced.ToArray().Zip(hHost, (a, b) => (double)a * b).Sum();
        Assert.That(left, Is.EqualTo(right).Within(1e-5 * Math.Max(1, Math.Abs(right))));
    }

    [TestCaseSource(nameof(CompactCases))]
    public void CompactShrink_EqualsTheProductWithTheMaterialisedA(CompactCase c)
    {
        var (x, xHost) = RandomPair(c.Rows, c.In);
        var (chunkA, chunkAHost) = RandomPair(c.Rs, c.CsA);
        var (vecA, vecAHost) = RandomPair(c.U, c.In);
        var (hShared, _) = Pair(NaNs(c.Rows * c.Rs), c.Rows, c.Rs);
        var (hUnshared, _) = Pair(NaNs(c.Rows * c.U), c.Rows, c.U);
        CompactProducts.Shrink(x, chunkA, vecA, c.ShiftA, hShared, hUnshared);

        var a = CpuBackend.Reference.BroadcastRoll(chunkAHost, vecAHost, c.Rs, c.U, c.In, c.CsA, c.ShiftA);
        var h = HostProduct(xHost, a, c.Rows, c.In, c.R, transposeB: true);
        AssertClose(hShared, Columns(h, c.Rows, c.R, 0, c.Rs), "hShared", ParityAssert.GemmRelative);
        AssertClose(hUnshared, Columns(h, c.Rows, c.R, c.Rs, c.U), "hUnshared", ParityAssert.GemmRelative);

        // This backend's own materialised path: BroadcastRoll, then a GEMM.
        var (full, _) = Pair(new float[c.R * c.In], c.R, c.In);
        var (dense, _) = Pair(new float[c.Rows * c.R], c.Rows, c.R);
        Backend.BroadcastRoll(chunkA, vecA, full, c.ShiftA);
        Backend.Gemm(x, full.T, dense);
        var denseHost = dense.ToArray();
        AssertClose(hShared, Columns(denseHost, c.Rows, c.R, 0, c.Rs), "hShared against BroadcastRoll + Gemm", ParityAssert.GemmRelative);
        AssertClose(hUnshared, Columns(denseHost, c.Rows, c.R, c.Rs, c.U), "hUnshared against BroadcastRoll + Gemm", ParityAssert.GemmRelative);
    }

    [TestCaseSource(nameof(CompactCases))]
    public void CompactExpand_EqualsTheProductWithTheMaterialisedB(CompactCase c)
    {
        var (hShared, hSharedHost) = RandomPair(c.Rows, c.Rs);
        var (hUnshared, hUnsharedHost) = RandomPair(c.Rows, c.U);
        var (chunkB, chunkBHost) = RandomPair(c.CsB, c.Rs);
        var (vecB, vecBHost) = RandomPair(c.U, c.Out);
        var y0 = Randoms(c.Rows * c.Out);
        var (y, _) = Pair(y0, c.Rows, c.Out);
        const float alpha = 0.75f, beta = 0.5f;
        CompactProducts.Expand(hShared, hUnshared, chunkB, vecB, c.ShiftB, y, alpha, beta);

        // Bᵀ (r×out) is the broadcast-roll of chunk_bᵀ; h = [hShared | hUnshared].
        var bT = CpuBackend.Reference.BroadcastRoll(HostArrays.Transpose(chunkBHost, c.CsB, c.Rs), vecBHost, c.Rs, c.U, c.Out, c.CsB, c.ShiftB);
        var h = new float[c.Rows * c.R];
        for (int i = 0; i < c.Rows; i++)
        {
            Array.Copy(hSharedHost, i * c.Rs, h, i * c.R, c.Rs);
            Array.Copy(hUnsharedHost, i * c.U, h, (i * c.R) + c.Rs, c.U);
        }
        var expected = HostProduct(h, bT, c.Rows, c.R, c.Out, transposeB: false);
        for (int t = 0; t < expected.Length; t++)
        {
            expected[t] = (alpha * expected[t]) + (beta * y0[t]);
        }
        AssertClose(y, expected, "y", ParityAssert.GemmRelative);

        var (yBeta0, _) = Pair(NaNs(c.Rows * c.Out), c.Rows, c.Out);
        CompactProducts.Expand(hShared, hUnshared, chunkB, vecB, c.ShiftB, yBeta0, alpha, 0f);
        var product = HostProduct(h, bT, c.Rows, c.R, c.Out, transposeB: false).Select(v => alpha * v).ToArray();
        AssertClose(yBeta0, product, "y with beta = 0 (NaN never read)", ParityAssert.GemmRelative);
    }

    [TestCaseSource(nameof(CompactCases))]
    public void CompactRowsDelta_AddsTheMaterialisedDeltaToTheChosenRowsOnly(CompactCase c)
    {
        var (x, xHost) = RandomPair(c.Rows, c.In);
        var (chunkA, chunkAHost) = RandomPair(c.Rs, c.CsA);
        var (vecA, vecAHost) = RandomPair(c.U, c.In);
        var (chunkB, chunkBHost) = RandomPair(c.CsB, c.Rs);
        var (vecB, vecBHost) = RandomPair(c.U, c.Out);
        var y0 = Randoms(c.Rows * c.Out);
        var (y, _) = Pair(y0, c.Rows, c.Out);
        int[] rows = [.. Enumerable.Range(0, c.Rows).Where(i => c.Rows == 1 || i % 3 != 1).Reverse()];
        const float alpha = 0.75f;
        Backend.CompactRowsDelta(x, rows, chunkA, vecA, c.ShiftA, chunkB, vecB, c.ShiftB, y, alpha);

        var a = CpuBackend.Reference.BroadcastRoll(chunkAHost, vecAHost, c.Rs, c.U, c.In, c.CsA, c.ShiftA);
        var bT = CpuBackend.Reference.BroadcastRoll(HostArrays.Transpose(chunkBHost, c.CsB, c.Rs), vecBHost, c.Rs, c.U, c.Out, c.CsB, c.ShiftB);
        var delta = HostProduct(HostProduct(xHost, a, c.Rows, c.In, c.R, transposeB: true), bT, c.Rows, c.R, c.Out, transposeB: false);
        var expected = (float[])y0.Clone();
        foreach (int row in rows)
        {
            for (int j = 0; j < c.Out; j++)
            {
                expected[(row * c.Out) + j] += alpha * delta[(row * c.Out) + j];
            }
        }
        var actual = y.ToArray();
        // Two float products in a row: the error is held to the largest output, not to each (possibly cancelled) one.
        FloatAssert.Close(actual, expected, "y", ParityAssert.GemmRelative, floor: expected.Max(MathF.Abs));
        foreach (int untouched in Enumerable.Range(0, c.Rows).Except(rows))
        {
            AssertRowUnchanged(actual, y0, untouched, c.Out);
        }
    }

    [Test]
    public void CompactRowsDeltaMany_EqualsEachAdapterOnItsRows()
    {
        // Three adapters of different ranks, sharing rates and shifts over x (9×20) → y (9×13), one row untouched.
        CompactCase[] cases = [new(20, 13, 8, 1, 7, 3, 9), new(20, 13, 4, 4, 3, 2, 9), new(20, 13, 6, 0, 4, 4, 9, 5, 1)];
        var (x, _) = RandomPair(9, 20);
        var y0 = Randoms(9 * 13);
        var (y, _) = Pair(y0, 9, 13);
        var (yOne, _) = Pair(y0, 9, 13);
        var operands = new List<CompactOperands>();
        float[] alphas = [0.75f, -1.5f, 2f];
        foreach (var (c, alpha) in cases.Zip(alphas))
        {
            var (chunkA, _) = RandomPair(c.Rs, c.CsA);
            var (vecA, _) = RandomPair(c.U, c.In);
            var (chunkB, _) = RandomPair(c.CsB, c.Rs);
            var (vecB, _) = RandomPair(c.U, c.Out);
            operands.Add(new CompactOperands(chunkA, vecA, c.ShiftA, chunkB, vecB, c.ShiftB, alpha));
        }
        int[] rows = [8, 0, 3, 5, 1, 7, 2, 6];
        int[] rowAdapter = [2, 0, 1, 1, 0, 2, 2, 0];
        Backend.CompactRowsDeltaMany(x, rows, rowAdapter, operands, y);
        for (int a = 0; a < operands.Count; a++)
        {
            var o = operands[a];
            int[] own = [.. rows.Where((_, i) => rowAdapter[i] == a)];
            Backend.CompactRowsDelta(x, own, o.ChunkA, o.VecA, o.ShiftA, o.ChunkB, o.VecB, o.ShiftB, yOne, o.Alpha);
        }
        AssertExact(y, yOne.ToArray(), "y against one call per adapter");
        AssertRowUnchanged(y.ToArray(), y0, 4, 13);
        Assert.That(() => Backend.CompactRowsDeltaMany(x, [0, 1], [0], operands, y), Throws.ArgumentException.With.Property("ParamName").EqualTo("rowAdapter"));
        Assert.That(() => Backend.CompactRowsDeltaMany(x, [0], [3], operands, y), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("rowAdapter[0] = 3 is not one of the 3 adapters"));
        Assert.That(() => Backend.CompactRowsDeltaMany(x, [0, 0], [0, 1], operands, y), Throws.ArgumentException.With.Message.Contains("rows[1] = 0 repeats"));
    }

    private static void AssertRowUnchanged(float[] actual, float[] before, int row, int width) =>
        FloatAssert.Exact(actual.AsSpan(row * width, width).ToArray(), before.AsSpan(row * width, width).ToArray(), $"row {row} (not chosen)");

    /// <summary>a (rows×inner) times b (inner×cols), or bᵀ when b is stored cols×inner, summed in double.</summary>
    private static float[] HostProduct(float[] a, float[] b, int rows, int inner, int cols, bool transposeB)
    {
        var c = new float[rows * cols];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                double sum = 0;
                for (int k = 0; k < inner; k++)
                {
                    sum += (double)a[(i * inner) + k] * (transposeB ? b[(j * inner) + k] : b[(k * cols) + j]);
                }
                c[(i * cols) + j] = (float)sum;
            }
        }
        return c;
    }

    /// <summary>Columns [first, first + count) of a rows×cols row-major array.</summary>
    private static float[] Columns(float[] m, int rows, int cols, int first, int count)
    {
        var result = new float[rows * count];
        for (int i = 0; i < rows; i++)
        {
            Array.Copy(m, (i * cols) + first, result, i * count, count);
        }
        return result;
    }
}
