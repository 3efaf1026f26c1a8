using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Quantization;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Tests.Backends;

/// <summary>
/// The contract for a quantised frozen weight on the CPU backend: it goes to Gemm only as b, whole or
/// transposed; as any other operand, or viewed in part, it is refused with an ArgumentException that
/// names the argument and says why; the copies widen it to exactly the dequantised values.
/// </summary>
public class QuantizedOperandTests
{
    private const int Rows = 6, Cols = 10;

    private static readonly CpuBackend Cpu = CpuBackend.Instance;

    public static IEnumerable<TestCaseData> Matrices()
    {
        var values = Values(Rows * Cols);
        yield return new TestCaseData(QuantizedMatrix.Quantize(values, Rows, Cols, TensorDType.BFloat16)).SetName("BFloat16");
        yield return new TestCaseData(QuantizedMatrix.FromNf4(Nf4.Quantize(values, blockSize: 16), Rows, Cols)).SetName("Nf4");
        yield return new TestCaseData(QuantizedMatrix.FromNf4(Nf4.Quantize(values, blockSize: 16, doubleQuantize: true), Rows, Cols)).SetName("Nf4_DoubleQuant");
    }

    [TestCaseSource(nameof(Matrices))]
    public void Gemm_QuantisedAsA_IsRefused(QuantizedMatrix matrix)
    {
        using var q = Cpu.FromQuantized(matrix);
        using var b = Cpu.FromArray(Values(Cols * 3), new Shape(Cols, 3));
        using var c = Cpu.Empty(new Shape(Rows, 3));
        Refused(() => Cpu.Gemm(q, b, c), "a", matrix.DType);
    }

    [TestCaseSource(nameof(Matrices))]
    public void Gemm_QuantisedAsC_IsRefused(QuantizedMatrix matrix)
    {
        using var q = Cpu.FromQuantized(matrix);
        using var a = Cpu.FromArray(Values(Rows * 4), new Shape(Rows, 4));
        using var b = Cpu.FromArray(Values(4 * Cols), new Shape(4, Cols));
        Refused(() => Cpu.Gemm(a, b, q, 1f, 1f), "c", matrix.DType);
    }

    [TestCaseSource(nameof(Matrices))]
    public void OtherOps_RefuseAQuantisedOperand(QuantizedMatrix matrix)
    {
        using var q = Cpu.FromQuantized(matrix);
        using var y = Cpu.FromArray(Values(Rows * Cols), new Shape(Rows, Cols));
        Refused(() => Cpu.Axpby(1f, q, 1f, y), "x", matrix.DType);
        Refused(() => Cpu.Axpby(1f, y, 1f, q), "y", matrix.DType);
        using var a = Cpu.FromArray(Values(2 * Rows), new Shape(2, Rows));
        using var c = Cpu.Empty(new Shape(2, Cols));
        Refused(() => Cpu.GemmStridedBatched(1, a, 0, q, 0, c, 0), "b", matrix.DType);
    }

    [TestCaseSource(nameof(Matrices))]
    public void PartialViews_AreRefused(QuantizedMatrix matrix)
    {
        using var q = Cpu.FromQuantized(matrix);
        using var a = Cpu.FromArray(Values(2 * (Rows * Cols / 15)), new Shape(2, Rows * Cols / 15));
        using var c = Cpu.Empty(new Shape(2, 15));
        // Reshaped to 4×15: every value is there, but not as the stored matrix.
        var reshaped = q.Reshape(Rows * Cols / 15, 15);
        PartRefused(() => Cpu.Gemm(a, reshaped, c), "b");
        // The first rows only, and a window that starts one row in.
        using var a2 = Cpu.FromArray(Values(2 * (Rows - 1)), new Shape(2, Rows - 1));
        using var c2 = Cpu.Empty(new Shape(2, Cols));
        PartRefused(() => Cpu.Gemm(a2, q.View(new Shape(Rows - 1, Cols), [Cols, 1], 0), c2), "b");
        PartRefused(() => Cpu.Gemm(a2, q.View(new Shape(Rows - 1, Cols), [Cols, 1], Cols), c2), "b");
        using var dst = Cpu.Empty(new Shape(Rows - 1, Cols));
        PartRefused(() => Cpu.Copy(q.View(new Shape(Rows - 1, Cols), [Cols, 1], 0), dst), "src");
    }

    [TestCaseSource(nameof(Matrices))]
    public void Copies_GiveTheDequantisedValuesExactly(QuantizedMatrix matrix)
    {
        var values = matrix.Dequantize();
        var transposed = new float[values.Length];
        for (int i = 0; i < Rows; i++)
        {
            for (int j = 0; j < Cols; j++)
            {
                transposed[(j * Rows) + i] = values[(i * Cols) + j];
            }
        }
        using var q = Cpu.FromQuantized(matrix);
        Assert.That(q.ToArray(), Is.EqualTo(values), "CopyToHost");
        Assert.That(q.T.ToArray(), Is.EqualTo(transposed), "CopyToHost of the transpose");
        using var whole = Cpu.Empty(new Shape(Rows, Cols));
        Cpu.Copy(q, whole);
        Assert.That(whole.ToArray(), Is.EqualTo(values), "Copy");
        using var t = Cpu.Empty(new Shape(Cols, Rows));
        Cpu.Copy(q.T, t);
        Assert.That(t.ToArray(), Is.EqualTo(transposed), "Copy of the transpose");
    }

    [TestCaseSource(nameof(Matrices))]
    public void Gemm_QuantisedAsB_WholeOrTransposed_MatchesTheDequantisedProduct(QuantizedMatrix matrix)
    {
        var values = matrix.Dequantize();
        using var q = Cpu.FromQuantized(matrix);
        using var w = Cpu.FromArray(values, new Shape(Rows, Cols));
        foreach (bool transposed in new[] { false, true })
        {
            int k = transposed ? Cols : Rows, n = transposed ? Rows : Cols;
            using var a = Cpu.FromArray(Values(3 * k), new Shape(3, k));
            using var expected = Cpu.FromArray(Values(3 * n), new Shape(3, n));
            using var got = Cpu.FromArray(Values(3 * n), new Shape(3, n));
            Cpu.Gemm(a, transposed ? w.T : w, expected, 0.5f, 1f);
            Cpu.Gemm(a, transposed ? q.T : q, got, 0.5f, 1f);
            Assert.That(got.ToArray(), Is.EqualTo(expected.ToArray()), transposed ? "x·Wᵀ" : "x·W");
        }
    }

    private static void Refused(TestDelegate call, string name, TensorDType dtype)
    {
        var e = Assert.Throws<ArgumentException>(call)!;
        Assert.That(e.ParamName, Is.EqualTo(name));
        Assert.That(e.Message, Does.Contain($"{name} is a {dtype} frozen weight").And.Contain("takes float32 tensors"));
    }

    private static void PartRefused(TestDelegate call, string name)
    {
        var e = Assert.Throws<ArgumentException>(call)!;
        Assert.That(e.ParamName, Is.EqualTo(name));
        Assert.That(e.Message, Does.Contain($"{name} is a view").And.Contain("read whole or transposed, never in part"));
    }

    // Distinct values of both signs.
    private static float[] Values(int count) => [.. Enumerable.Range(0, count).Select(i => ((i * 7 % 23) - 11) / 8f)];
}
