using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Backends.Cuda;
using PRoLoRA.Native.Tensors;
using PRoLoRA.Native.Tests.HostKernels;
using PRoLoRA.Native.Tests.Support;
using PRoLoRA.Native.Verification;

namespace PRoLoRA.Native.Tests.Adapters;

/// <summary>
/// The adapter's compact forward (<see cref="ProLoraAdapter.CompactDelta"/>, and ProLoraLinear under
/// NoGrad) on every golden configuration, on the CPU and on CudaBackend over the host shim: it equals
/// the product with the materialised A and B on the same backend (≤ 1e-5 relative) and the official
/// implementation's y. Bad operands of the compact products name the argument.
/// </summary>
public sealed class CompactDeltaTests
{
    private static IEnumerable<TestCaseData> Cases()
        => GoldenFile.Load(GoldenPath.Official).SelectMany(c => new[] { "cpu", "host-shim" }.Select(b => new TestCaseData(c, b).SetName($"Compact_{c.Name}_{b}")));

    private static IBackend Open(string backend) => backend == "cpu"
        ? CpuBackend.Instance
        : new CudaBackend(new HostShimDevice(HostKernelLibrary.Require()), exactAllocations: true);

    [TestCaseSource(nameof(Cases))]
    public void CompactDelta_EqualsTheMaterialisedProducts(GoldenCase golden, string backendName)
    {
        var backend = Open(backendName);
        try
        {
            var c = golden.Config;
            using var adapter = golden.CreateAdapter(backend);
            using var x = golden.Input("x", backend);
            int rows = x.Shape[0];
            using var compact = backend.FromArray(Enumerable.Repeat(float.NaN, rows * c.OutFeatures).ToArray(), new Shape(rows, c.OutFeatures));
            adapter.CompactDelta(x, compact, c.Scaling, 0f);

            // s · x·Aᵀ·Bᵀ in double from the materialised A and B: the two float paths (compact, and
            // BroadcastRoll + Gemm) each round differently, so both are held to the exact product.
            using var a = adapter.MaterializeA();
            using var b = adapter.MaterializeB();
            var exact = ExactDelta(x.ToArray(), a.ToArray(), b.ToArray(), rows, c.InFeatures, c.Rank, c.OutFeatures, c.Scaling);
            FloatAssert.Close(compact.ToArray(), exact, "compact against the materialised product", 1e-5f, floor: 1f);

            using var h = backend.Empty(new Shape(rows, c.Rank));
            using var dense = backend.Empty(new Shape(rows, c.OutFeatures));
            backend.Gemm(x, a.T, h);
            backend.Gemm(h, b.T, dense, c.Scaling);
            FloatAssert.Close(compact.ToArray(), dense.ToArray(), "compact against BroadcastRoll + Gemm", 5e-5f, floor: 1f);
        }
        finally
        {
            if (backend is not CpuBackend)
            {
                backend.Dispose();
            }
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void NoGradForward_MatchesTheOfficialImplementation(GoldenCase golden, string backendName)
    {
        var backend = Open(backendName);
        try
        {
            var c = golden.Config;
            var weight = Variable.Constant(backend.Zeros(new Shape(c.OutFeatures, c.InFeatures)), "weight");
            using var layer = new ProLoraLinear(weight, null, golden.CreateAdapter(backend));
            using var tape = new Tape(backend);
            using var x = golden.Input("x", backend);
            float[] y;
            using (tape.NoGrad())
            {
                y = layer.Forward(tape, Variable.Input(x, "x")).Value.ToArray();
            }
            // On the CPU the forward takes the compact products; on CudaBackend (here the shim) it materialises
            // A and B (faster on a GPU), whose float GEMMs are held to verify-golden's 1e-4.
            float tolerance = layer.UsesCompactProducts(x.Shape[0]) ? 1e-5f : 1e-4f;
            FloatAssert.Close(y, golden.Expected["y"].Data.Select(v => (float)v).ToArray(), "y", tolerance, floor: 1f);
        }
        finally
        {
            if (backend is not CpuBackend)
            {
                backend.Dispose();
            }
        }
    }

    /// <summary>s · (x·Aᵀ)·Bᵀ summed in double; x rows×in, a r×in, b out×r.</summary>
    private static float[] ExactDelta(float[] x, float[] a, float[] b, int rows, int inF, int r, int outF, float s)
    {
        var y = new float[rows * outF];
        var h = new double[r];
        for (int i = 0; i < rows; i++)
        {
            for (int t = 0; t < r; t++)
            {
                h[t] = 0;
                for (int p = 0; p < inF; p++)
                {
                    h[t] += (double)x[(i * inF) + p] * a[(t * inF) + p];
                }
            }
            for (int o = 0; o < outF; o++)
            {
                double sum = 0;
                for (int t = 0; t < r; t++)
                {
                    sum += h[t] * b[(o * r) + t];
                }
                y[(i * outF) + o] = (float)(s * sum);
            }
        }
        return y;
    }

    [Test]
    public void InferenceForward_TakesTheCompactProductsForFewRowsWithSharing()
    {
        var be = CpuBackend.Instance;
        using var shared = new ProLoraLinear(Variable.Constant(be.Zeros(new Shape(8, 16)), "w"), null, ProLoraAdapter.Create(ProLoraConfig.ProLora(16, 8, 4, 1, 4, 2), be));
        using var lora = new ProLoraLinear(Variable.Constant(be.Zeros(new Shape(8, 16)), "w"), null, ProLoraAdapter.Create(ProLoraConfig.Lora(16, 8, 4), be));
        using var ragged = new ProLoraLinear(Variable.Constant(be.Zeros(new Shape(8, 16)), "w"), null, ProLoraAdapter.Create(ProLoraConfig.ProLora(16, 8, 4, 1, 3, 2), be));
        Assert.Multiple(() =>
        {
            Assert.That(ragged.UsesCompactProducts(1), Is.False, "16 = 3 slices of 6, the last cut: one small GEMM per slice");
            Assert.That(shared.UsesCompactProducts(1), Is.True);
            Assert.That(shared.UsesCompactProducts(ProLoraLinear.CompactMaxRows), Is.True);
            Assert.That(shared.UsesCompactProducts(ProLoraLinear.CompactMaxRows + 1), Is.False);
            Assert.That(lora.UsesCompactProducts(1), Is.False, "m = n = 1: nothing to save");
        });
    }

    [Test]
    public void InferenceForward_OnCuda_MaterialisesAAndB()
    {
        var be = Open("host-shim");
        try
        {
            using var shared = new ProLoraLinear(Variable.Constant(be.Zeros(new Shape(8, 16)), "w"), null, ProLoraAdapter.Create(ProLoraConfig.ProLora(16, 8, 4, 1, 4, 2), be));
            Assert.That(shared.UsesCompactProducts(1), Is.False, "on a GPU the compact delta's extra launches cost more than it saves");
        }
        finally
        {
            be.Dispose();
        }
    }

    [Test]
    public void BadOperands_NameTheArgument()
    {
        var be = CpuBackend.Instance;
        using var x = be.Zeros(new Shape(3, 10));
        using var chunkA = be.Zeros(new Shape(4, 4));
        using var vecA = be.Zeros(new Shape(1, 10));
        using var hShared = be.Zeros(new Shape(3, 4));
        using var hUnshared = be.Zeros(new Shape(3, 1));
        using var wrong = be.Zeros(new Shape(2, 4));
        using var vecWrong = be.Zeros(new Shape(1, 9));
        using var wide = be.Zeros(new Shape(4, 11));
        using var y = be.Zeros(new Shape(3, 8));
        using var chunkB = be.Zeros(new Shape(2, 4));
        using var vecB = be.Zeros(new Shape(1, 8));
        Assert.Multiple(() =>
        {
            Assert.That(() => CompactProducts.Shrink(x, chunkA, vecA, 1, wrong, hUnshared), Throws.ArgumentException.With.Property("ParamName").EqualTo("hShared").And.Message.Contains("expected (3, 4)"));
            Assert.That(() => CompactProducts.Shrink(x, chunkA, vecA, 1, hShared, wrong), Throws.ArgumentException.With.Property("ParamName").EqualTo("hUnshared"));
            Assert.That(() => CompactProducts.Shrink(x, chunkA, vecWrong, 1, hShared, hUnshared), Throws.ArgumentException.With.Property("ParamName").EqualTo("vecA"));
            Assert.That(() => CompactProducts.Shrink(x, wide, vecA, 1, hShared, hUnshared), Throws.ArgumentException.With.Property("ParamName").EqualTo("chunkA"));
            Assert.That(() => CompactProducts.Shrink(x.T, chunkA, vecA, 1, hShared, hUnshared), Throws.ArgumentException.With.Property("ParamName").EqualTo("x"));
            Assert.That(() => CompactProducts.Expand(hShared, hUnshared, chunkB, vecA, 1, y), Throws.ArgumentException.With.Property("ParamName").EqualTo("vecB"));
            Assert.That(() => CompactProducts.Expand(wrong, hUnshared, chunkB, vecB, 1, y), Throws.ArgumentException.With.Property("ParamName").EqualTo("hShared"));
            Assert.That(() => CompactProducts.Expand(hShared, hUnshared, chunkB, vecB, 1, null!), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("y"));
        });
    }

    [Test]
    public void BadRollOperands_NameTheArgument()
    {
        var be = CpuBackend.Instance;
        using var p = be.Zeros(new Shape(6, 4));
        using var h = be.Zeros(new Shape(2, 4));
        using var h5 = be.Zeros(new Shape(2, 5));
        Assert.Multiple(() =>
        {
            Assert.That(() => be.RollReduce(p, h, 2, 1, 0f), Throws.ArgumentException.With.Property("ParamName").EqualTo("p").And.Message.Contains("expected (4, 4)"));
            Assert.That(() => be.RollReduce(p, h5, 3, 1, 0f), Throws.ArgumentException.With.Property("ParamName").EqualTo("p"));
            Assert.That(() => be.RollReduce(p, h, 0, 1, 0f), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("copies"));
            Assert.That(() => be.RollReduce(p, h, 3, -1, 0f), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("shift"));
            Assert.That(() => be.RollSpread(h, p, 2, 1), Throws.ArgumentException.With.Property("ParamName").EqualTo("g"));
            Assert.That(() => be.RollSpread(h, p.T, 3, 1), Throws.ArgumentException.With.Property("ParamName").EqualTo("g").And.Message.Contains("contiguous"));
        });
    }

    [Test]
    public void BadCompactRowsOperands_NameTheArgument()
    {
        var be = CpuBackend.Instance;
        using var x = be.Zeros(new Shape(4, 16));
        using var y = be.Zeros(new Shape(4, 8));
        using var chunkA = be.Zeros(new Shape(3, 4));
        using var vecA = be.Zeros(new Shape(1, 16));
        using var chunkB = be.Zeros(new Shape(4, 3));
        using var vecB = be.Zeros(new Shape(1, 8));
        using var wrongVecB = be.Zeros(new Shape(1, 9));
        using var yShort = be.Zeros(new Shape(3, 8));
        Assert.Multiple(() =>
        {
            Assert.That(() => be.CompactRowsDelta(x, [0, 2], chunkA, vecA, 1, chunkB, vecB, 1, y, 1f), Throws.Nothing);
            Assert.That(() => be.CompactRowsDelta(x, [1, 1], chunkA, vecA, 1, chunkB, vecB, 1, y, 1f), Throws.ArgumentException.With.Message.Contains("rows[1] = 1 repeats"));
            Assert.That(() => be.CompactRowsDelta(x, [4], chunkA, vecA, 1, chunkB, vecB, 1, y, 1f), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("rows[0] = 4"));
            Assert.That(() => be.CompactRowsDelta(x, [0], chunkA, vecA, 1, chunkB, wrongVecB, 1, y, 1f), Throws.ArgumentException.With.Property("ParamName").EqualTo("vecB"));
            Assert.That(() => be.CompactRowsDelta(x, [0], chunkA, vecA, -1, chunkB, vecB, 1, y, 1f), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("shiftA"));
            Assert.That(() => be.CompactRowsDelta(x, [0], chunkA, vecA, 1, chunkB, vecB, 1, yShort, 1f), Throws.ArgumentException.With.Property("ParamName").EqualTo("y"));
            Assert.That(() => be.CompactRowsDelta(x, [0], chunkA, vecA, 1, chunkB.T, vecB, 1, y, 1f), Throws.ArgumentException.With.Property("ParamName").EqualTo("chunkB"));
        });
    }
}
