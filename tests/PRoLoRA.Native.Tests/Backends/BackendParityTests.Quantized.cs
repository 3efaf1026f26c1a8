using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Backends.Cuda;
using PRoLoRA.Native.Quantization;
using PRoLoRA.Native.Tensors;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.BackendParity;

/// <summary>
/// Quantised frozen weights (bfloat16, NF4 with float32 or double-quantised absmax): GEMM with b = Wᵀ
/// (forward) and b = W (backward) against the float32 definition on the widened values, and the
/// copies of W and Wᵀ bit for bit equal to <see cref="QuantizedMatrix.Dequantize()"/>. Ragged sizes
/// give partial last NF4 blocks and tiles that start on an odd element; on the CUDA backend a small
/// <see cref="CudaBackend.QuantizedTileFloats"/> makes the cases run in several tiles.
/// </summary>
public abstract partial class BackendParityTests
{
    /// <summary>How a quantised test matrix is stored.</summary>
    public enum QuantKind
    {
        /// <summary>bfloat16 bits.</summary>
        BFloat16,

        /// <summary>NF4 with float32 absmax.</summary>
        Nf4,

        /// <summary>NF4 with double-quantised absmax.</summary>
        Nf4DoubleQuant,
    }

    /// <summary>(kind, M, K, N, b = Wᵀ, a transposed, alpha, beta, NF4 block size, tile floats on CUDA or 0 for the default).</summary>
    public static IEnumerable<TestCaseData> QuantizedGemmCases()
    {
        foreach (var kind in Enum.GetValues<QuantKind>())
        {
            yield return new TestCaseData(kind, 5, 13, 7, true, false, 1f, 0f, 64, 0);       // 91 values: one full and one partial block
            yield return new TestCaseData(kind, 5, 13, 7, false, false, 1f, 0f, 64, 0);
            yield return new TestCaseData(kind, 3, 70, 33, true, true, -0.5f, 1f, 32, 0);    // cols not a multiple of 64
            yield return new TestCaseData(kind, 3, 33, 70, false, true, 2f, 1f, 32, 0);
            yield return new TestCaseData(kind, 1, 9, 1, true, false, 1f, 0.5f, 64, 0);
            yield return new TestCaseData(kind, 4, 1, 3, false, false, 1f, 0f, 64, 0);       // k = 1
            yield return new TestCaseData(kind, 6, 61, 70, true, false, 1f, 0f, 16, 300);   // 267 blocks: the nested absmax's second block; tiles of 4 rows
            yield return new TestCaseData(kind, 6, 70, 61, false, false, 1.5f, 0.5f, 16, 300); // tiles of 4 rows of k, beta applied once
            yield return new TestCaseData(kind, 4, 21, 11, true, true, 1f, 1f, 64, 1);      // one row a tile
            yield return new TestCaseData(kind, 4, 11, 21, false, true, 1f, 0f, 64, 1);
        }
    }

    [TestCaseSource(nameof(QuantizedGemmCases))]
    public void Gemm_WithAQuantizedB_MatchesTheDefinitionOnTheWidenedValues(QuantKind kind, int m, int k, int n, bool forward, bool transA, float alpha, float beta, int blockSize, int tileFloats)
    {
        var (a, aHost) = transA ? TransposedPair(m, k) : RandomPair(m, k);
        // forward: b = Wᵀ with W n×k (y = x·Wᵀ); backward: b = W with W k×n (dx = dy·W).
        var (wRows, wCols) = forward ? (n, k) : (k, n);
        var (w, wHost) = QuantizedPair(kind, wRows, wCols, blockSize);
        var b = forward ? w.T : w;
        var bHost = forward ? HostArrays.Transpose(wHost, wRows, wCols) : wHost;
        var (c, expected) = Pair(beta == 0f ? NaNs(m * n) : Randoms(m * n), m, n);
        WithQuantizedTile(tileFloats, () => Backend.Gemm(a, b, c, alpha, beta));
        CpuBackend.Reference.Gemm(aHost, bHost, expected, m, n, k, alpha, beta);
        AssertClose(c, expected, "c", ParityAssert.GemmRelative);
    }

    /// <summary>(kind, rows, cols, NF4 block size, tile floats on CUDA or 0 for the default).</summary>
    public static IEnumerable<TestCaseData> QuantizedCopyCases()
    {
        foreach (var kind in Enum.GetValues<QuantKind>())
        {
            yield return new TestCaseData(kind, 7, 13, 64, 0);
            yield return new TestCaseData(kind, 7, 13, 64, 40);   // tiles of 3 rows: the second starts on an odd element
            yield return new TestCaseData(kind, 70, 61, 16, 500);
            yield return new TestCaseData(kind, 1, 5, 64, 0);
            yield return new TestCaseData(kind, 5, 1, 64, 1);
        }
    }

    [TestCaseSource(nameof(QuantizedCopyCases))]
    public void Copy_OfAQuantizedMatrixAndItsTranspose_IsItsDequantizedValues(QuantKind kind, int rows, int cols, int blockSize, int tileFloats)
    {
        var (w, values) = QuantizedPair(kind, rows, cols, blockSize, zeroFirstBlock: true);
        var transposed = HostArrays.Transpose(values, rows, cols);
        var (dst, _) = Pair(NaNs(rows * cols), rows, cols);
        var (dstT, _) = Pair(NaNs(rows * cols), cols, rows);
        var host = new float[rows * cols];
        var hostT = new float[rows * cols];
        WithQuantizedTile(tileFloats, () =>
        {
            Backend.Copy(w, dst);
            Backend.Copy(w.T, dstT);
            Backend.CopyToHost(w, host);
            Backend.CopyToHost(w.T, hostT);
        });
        AssertExact(dst, values, "Copy(W)");
        AssertExact(dstT, transposed, "Copy(Wᵀ)");
        ParityAssert.Exact(host, values, "CopyToHost(W)");
        ParityAssert.Exact(hostT, transposed, "CopyToHost(Wᵀ)");
    }

    [Test]
    public void QuantizedMatrix_IsRefusedByOtherOps_AndInPart()
    {
        var (w, _) = QuantizedPair(QuantKind.Nf4, 4, 6, 64);
        var (x, _) = RandomPair(4, 6);
        var (y, _) = RandomPair(2, 6);
        Assert.Multiple(() =>
        {
            Assert.That(() => Backend.Axpby(1f, w, 1f, x), Throws.ArgumentException.With.Property("ParamName").EqualTo("x"));
            Assert.That(() => Backend.Gemm(w, x.T, y.Reshape(3, 4)), Throws.ArgumentException.With.Property("ParamName").EqualTo("a"));
            Assert.That(() => Backend.Copy(w.View(new Shape(2, 6), [6, 1], 6), y), Throws.ArgumentException.With.Property("ParamName").EqualTo("src"));
        });
    }

    /// <summary>
    /// A rows×cols matrix of random values stored as <paramref name="kind"/> on the backend, and its
    /// widened values (<see cref="QuantizedMatrix.Dequantize()"/>); with <paramref name="zeroFirstBlock"/>
    /// the first NF4 block is all zero (its values widen to −0).
    /// </summary>
    private protected (Tensor Dev, float[] Host) QuantizedPair(QuantKind kind, int rows, int cols, int blockSize, bool zeroFirstBlock = false)
    {
        var values = Randoms((long)rows * cols);
        if (zeroFirstBlock)
        {
            Array.Clear(values, 0, Math.Min(blockSize, values.Length));
        }
        var matrix = kind == QuantKind.BFloat16
            ? QuantizedMatrix.Quantize(values, rows, cols, TensorDType.BFloat16)
            : QuantizedMatrix.FromNf4(Nf4.Quantize(values, blockSize, kind == QuantKind.Nf4DoubleQuant), rows, cols);
        var dev = Backend.FromQuantized(matrix);
        _tensors.Add(dev);
        Assert.That(dev.DType, Is.EqualTo(kind == QuantKind.BFloat16 ? TensorDType.BFloat16 : TensorDType.Nf4));
        return (dev, matrix.Dequantize());
    }

    /// <summary>Runs <paramref name="action"/> with CUDA's quantised tiles of at most <paramref name="floats"/> values (0: the default; other backends ignore it).</summary>
    private protected void WithQuantizedTile(int floats, Action action)
    {
        if (floats == 0 || Backend is not CudaBackend cuda)
        {
            action();
            return;
        }
        long saved = cuda.QuantizedTileFloats;
        cuda.QuantizedTileFloats = floats;
        try
        {
            action();
        }
        finally
        {
            cuda.QuantizedTileFloats = saved;
        }
    }
}
