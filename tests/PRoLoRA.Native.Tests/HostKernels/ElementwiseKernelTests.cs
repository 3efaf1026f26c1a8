using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Backends.Cpu;

namespace PRoLoRA.Native.Tests.HostKernels;

/// <summary>The kernels of cuda/elementwise.cu through the host shim against <see cref="CpuBackend"/>.</summary>
public sealed class ElementwiseKernelTests : HostKernelFixture
{
    /// <summary>Every element takes the value, across a ragged last block.</summary>
    [Test]
    public void Fill_MatchesCpu([Values(1, 300, 1000)] int n)
    {
        var expected = NaNs(n);
        var x = Upload<float>(NaNs(n));
        Reference.Fill(Cpu(expected, n), -3.25f);
        Run("fill", n, new KernelArgs { x, n, -3.25f });
        FloatAssert.Exact(x.Download(), expected, "x");
    }

    /// <summary>y = alpha·x + beta·y; beta = 0 must not read y (it starts as NaN).</summary>
    [Test]
    public void Axpby_MatchesCpu([Values(0f, 1f, -0.75f)] float beta)
    {
        var rng = new Random(11);
        const int n = 777;
        var x = RandomFloats(rng, n);
        var y = beta == 0f ? NaNs(n) : RandomFloats(rng, n);
        var dx = Upload<float>(x);
        var dy = Upload<float>(y);
        Reference.Axpby(1.5f, Cpu(x, n), beta, Cpu(y, n));
        Run("axpby", n, new KernelArgs { 1.5f, dx, beta, dy, n });
        FloatAssert.Close(dy.Download(), y, "y");
    }

    /// <summary>out = a ⊙ b, also with out aliasing a.</summary>
    [Test]
    public void Mul_MatchesCpu([Values] bool inPlace)
    {
        var rng = new Random(12);
        const int n = 513;
        var a = RandomFloats(rng, n, 3f);
        var b = RandomFloats(rng, n, 3f);
        var da = Upload<float>(a);
        var db = Upload<float>(b);
        var dOut = inPlace ? da : Upload<float>(NaNs(n));
        var expected = new float[n];
        Reference.Mul(Cpu(a, n), Cpu(b, n), Cpu(expected, n));
        Run("mul", n, new KernelArgs { da, db, dOut, n });
        FloatAssert.Exact(dOut.Download(), expected, "out");
    }

    /// <summary>The mask is bit-identical to the CPU's (rng.cuh is DropoutRng's twin), and so is x ⊙ mask.</summary>
    [Test]
    public void Dropout_MatchesCpuBitForBit([Values(0f, 0.1f, 0.5f, 0.9f)] float p, [Values(0UL, 0x9E3779B97F4A7C15UL)] ulong seed)
    {
        var rng = new Random(13);
        const int n = 1000;
        var x = RandomFloats(rng, n);
        var mask = new float[n];
        var output = new float[n];
        var dx = Upload<float>(x);
        var dMask = Upload<float>(NaNs(n));
        var dOut = Upload<float>(NaNs(n));
        Reference.Dropout(Cpu(x, n), p, seed, Cpu(mask, n), Cpu(output, n));
        Run("dropout", n, new KernelArgs { dx, p, seed, dMask, dOut, n });
        Assert.Multiple(() =>
        {
            FloatAssert.Exact(dMask.Download(), mask, "mask");
            FloatAssert.Exact(dOut.Download(), output, "out");
        });
    }

    /// <summary>
    /// The boundary of "keep iff u ≥ p": an element whose uniform is exactly p is kept, u = 0
    /// included (p = 0 keeps everything). The seed is solved for so that element 5 draws u = p.
    /// </summary>
    [Test]
    public void Dropout_KeepsAnElementWhoseUniformEqualsP([Values(0f, 0.5f, 0.25f)] float p)
    {
        const int n = 8, index = 5;
        ulong seed = SeedDrawing(index, (ulong)(p * 16777216f));
        Assume.That(DropoutRng.Uniform(seed, index), Is.EqualTo(p), "the solved seed draws u = p");
        var x = Enumerable.Range(1, n).Select(i => (float)i).ToArray();
        var mask = new float[n];
        var output = new float[n];
        var dMask = Upload<float>(NaNs(n));
        var dOut = Upload<float>(NaNs(n));
        Reference.Dropout(Cpu(x, n), p, seed, Cpu(mask, n), Cpu(output, n));
        Run("dropout", n, new KernelArgs { Upload<float>(x), p, seed, dMask, dOut, n });
        var actual = dMask.Download();
        Assert.Multiple(() =>
        {
            Assert.That(actual[index], Is.EqualTo(1f / (1f - p)), "mask at u = p");
            FloatAssert.Exact(actual, mask, "mask");
            FloatAssert.Exact(dOut.Download(), output, "out");
        });
    }

    /// <summary>A seed for which <see cref="DropoutRng.Uniform"/> of element <paramref name="index"/> is bits24 / 2²⁴: the SplitMix64 finaliser run backwards.</summary>
    private static ulong SeedDrawing(ulong index, ulong bits24)
    {
        ulong z = (bits24 << 40) | 0x5A5A5A5AUL; // the low 40 bits are not drawn; any value will do
        z = UndoXorShift(z, 31);
        z = UndoXorShift(z * Inverse(0x94D049BB133111EBUL), 27);
        z = UndoXorShift(z * Inverse(0xBF58476D1CE4E5B9UL), 30);
        return z - ((index + 1) * 0x9E3779B97F4A7C15UL);
    }

    // y = x ^ (x >> s) is inverted by x = y ^ (y >> s) ^ (y >> 2s) ^ ...
    private static ulong UndoXorShift(ulong y, int shift)
    {
        ulong x = y;
        for (int s = shift; s < 64; s += shift)
        {
            x ^= y >> s;
        }
        return x;
    }

    // The inverse of an odd number modulo 2⁶⁴ (Newton's iteration doubles the correct bits each step).
    private static ulong Inverse(ulong odd)
    {
        ulong inverse = odd;
        for (int i = 0; i < 6; i++)
        {
            inverse *= 2 - (odd * inverse);
        }
        return inverse;
    }

    /// <summary>out[i, j] = x[i, j] + bias[j].</summary>
    [Test]
    public void AddRowVector_MatchesCpu()
    {
        var rng = new Random(14);
        const int rows = 7, cols = 45;
        var x = RandomFloats(rng, rows * cols);
        var bias = RandomFloats(rng, cols);
        var expected = new float[rows * cols];
        var dOut = Upload<float>(NaNs(rows * cols));
        Reference.AddRowVector(Cpu(x, rows, cols), Cpu(bias, cols), Cpu(expected, rows, cols));
        Run("add_row_vector", rows * cols, new KernelArgs { Upload<float>(x), Upload<float>(bias), dOut, rows, cols });
        FloatAssert.Exact(dOut.Download(), expected, "out");
    }

    /// <summary>max(x, 0), including the CPU's answers for −0, +0, NaN and infinities.</summary>
    [Test]
    public void Relu_MatchesCpu()
    {
        var rng = new Random(15);
        var x = RandomFloats(rng, 300).Concat([-0f, 0f, float.NaN, float.NegativeInfinity, float.PositiveInfinity]).ToArray();
        int n = x.Length;
        var expected = new float[n];
        var dOut = Upload<float>(NaNs(n));
        Reference.Relu(Cpu(x, n), Cpu(expected, n));
        Run("relu", n, new KernelArgs { Upload<float>(x), dOut, n });
        FloatAssert.Exact(dOut.Download(), expected, "out");
    }

    /// <summary>dx = beta·dx + dy ⊙ [x &gt; 0]; beta = 0 must not read dx.</summary>
    [Test]
    public void ReluBackward_MatchesCpu([Values(0f, 1f, 0.5f)] float beta)
    {
        var rng = new Random(16);
        const int n = 600;
        var x = RandomFloats(rng, n);
        var dy = RandomFloats(rng, n);
        var dx = beta == 0f ? NaNs(n) : RandomFloats(rng, n);
        var dDx = Upload<float>(dx);
        Reference.ReluBackward(Cpu(x, n), Cpu(dy, n), Cpu(dx, n), beta);
        Run("relu_backward", n, new KernelArgs { Upload<float>(x), Upload<float>(dy), dDx, n, beta });
        FloatAssert.Close(dDx.Download(), dx, "dx");
    }

    /// <summary>Materialising a transposed view into a contiguous matrix.</summary>
    [Test]
    public void Copy2d_OfATranspose_MatchesCpu()
    {
        var rng = new Random(17);
        const int rows = 19, cols = 23;
        var src = StridedView.Transposed(rows, cols).Fill(() => RandomFloat(rng));
        var expected = new float[rows * cols];
        var dDst = Upload<float>(NaNs(rows * cols));
        Reference.Copy(src.Cpu(), Cpu(expected, rows, cols));
        Run("copy_2d", rows * cols, new KernelArgs { Upload<float>(src.Storage), src.Strides[0], src.Strides[1], dDst, rows, cols });
        FloatAssert.Exact(dDst.Download(), expected, "dst");
    }
}
