using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Tensors;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Adapters;

public class ProLoraLinearTests
{
    private static readonly CpuBackend Cpu = CpuBackend.Instance;

    private static Tensor T(int seed, params int[] shape) => Cpu.FromArray(Rand.Uniform(seed, new Shape(shape).Count), new Shape(shape));

    private static float[] Forward(ProLoraLinear layer, Tensor x)
    {
        using var tape = new Tape(Cpu);
        using (tape.NoGrad())
        {
            return layer.Forward(tape, Variable.Constant(x)).Value.ToArray();
        }
    }

    [Test]
    public void UEqualsR_IsPlainLora_ComputedIndependently()
    {
        int n = 3, inF = 7, outF = 5, r = 3;
        var config = ProLoraConfig.Lora(inF, outF, r, loraAlpha: 6f);
        var a = Rand.Uniform(1, r * inF);
        var b = Rand.Uniform(2, outF * r);
        var w = Rand.Uniform(3, outF * inF);
        var x = Rand.Uniform(4, n * inF);
        // PEFT stores B as (out, r); the compact layout stores it as vec_b (u, out) = Bᵀ.
        var vecB = new float[r * outF];
        for (int o = 0; o < outF; o++)
        {
            for (int k = 0; k < r; k++)
            {
                vecB[(k * outF) + o] = b[(o * r) + k];
            }
        }
        var adapter = new ProLoraAdapter(config, Cpu.Zeros(new Shape(0, inF)), Cpu.FromArray(a, new Shape(r, inF)), Cpu.Zeros(new Shape(outF, 0)), Cpu.FromArray(vecB, new Shape(r, outF)));
        using var layer = new ProLoraLinear(Variable.Constant(Cpu.FromArray(w, new Shape(outF, inF))), null, adapter);

        var y = Forward(layer, Cpu.FromArray(x, new Shape(n, inF)));

        for (int i = 0; i < n; i++)
        {
            for (int o = 0; o < outF; o++)
            {
                double expected = 0;
                for (int p = 0; p < inF; p++)
                {
                    expected += x[(i * inF) + p] * w[(o * inF) + p];
                }
                for (int k = 0; k < r; k++)
                {
                    double h = 0;
                    for (int p = 0; p < inF; p++)
                    {
                        h += x[(i * inF) + p] * a[(k * inF) + p];
                    }
                    expected += 2.0 * b[(o * r) + k] * h; // scaling = alpha / r = 2
                }
                Assert.That(y[(i * outF) + o], Is.EqualTo(expected).Within(1e-5 * (1 + Math.Abs(expected))));
            }
        }
    }

    [Test]
    public void MergeThenUnmerge_RestoresTheBaseWeight_AndMergedForwardEqualsAdapterForward()
    {
        var config = ProLoraConfig.ProLora(24, 40, 8, 2, 3, 5);
        var adapter = new ProLoraAdapter(config, T(1, 6, 8), T(2, 2, 24), T(3, 8, 6), T(4, 2, 40));
        var w0 = Rand.Uniform(5, 40 * 24);
        using var layer = new ProLoraLinear(Variable.Constant(Cpu.FromArray(w0, new Shape(40, 24))), Variable.Constant(T(6, 40)), adapter);
        var x = T(7, 4, 24);
        var unmerged = Forward(layer, x);

        layer.Merge();
        var merged = Forward(layer, x);
        Assert.That(layer.Weight.Value.ToArray(), Is.Not.EqualTo(w0));
        layer.Unmerge();

        Assert.That(merged, Is.EqualTo(unmerged).Within(1e-4));
        var w1 = layer.Weight.Value.ToArray();
        for (int i = 0; i < w0.Length; i++)
        {
            Assert.That(w1[i], Is.EqualTo(w0[i]).Within(1e-6 * Math.Max(1, Math.Abs(w0[i]))), $"weight[{i}]");
        }
        Assert.That(layer.Unmerge, Throws.InvalidOperationException);
    }

    [Test]
    public void RectifiedInit_UsesTheFullFanIn_AndZeroB()
    {
        var config = ProLoraConfig.ProLora(4096, 1024, 32, 4, 7, 7) with { Seed = 3 };
        using var adapter = ProLoraAdapter.Create(config, Cpu);
        double bound = 1 / Math.Sqrt(4096);
        var a = adapter.ChunkA.Value.ToArray().Concat(adapter.VecA.Value.ToArray()).ToArray();
        Assert.That(a.Max(v => Math.Abs(v)), Is.LessThanOrEqualTo(bound).And.GreaterThan(0.99 * bound));
        Assert.That(adapter.ChunkB.Value.ToArray().Concat(adapter.VecB.Value.ToArray()), Is.All.EqualTo(0f));
    }

    [Test]
    public void VanillaInit_UsesTheChunkWidthForTheChunk()
    {
        var config = ProLoraConfig.ProLora(4096, 1024, 32, 4, 8, 8) with { Init = InitKind.Vanilla };
        using var adapter = ProLoraAdapter.Create(config, Cpu);
        double bound = 1 / Math.Sqrt(config.ChunkSizeA);
        Assert.That(adapter.ChunkA.Value.ToArray().Max(v => Math.Abs(v)), Is.LessThanOrEqualTo(bound).And.GreaterThan(0.99 * bound));
    }

    [Test]
    public void InitIsDeterministicInTheSeed()
    {
        var config = ProLoraConfig.ProLora(64, 32, 8, 1, 4, 4);
        using var a = ProLoraAdapter.Create(config with { Seed = 1 }, Cpu);
        using var b = ProLoraAdapter.Create(config with { Seed = 1 }, Cpu);
        using var c = ProLoraAdapter.Create(config with { Seed = 2 }, Cpu);
        Assert.That(a.ChunkA.Value.ToArray(), Is.EqualTo(b.ChunkA.Value.ToArray()));
        Assert.That(a.ChunkA.Value.ToArray(), Is.Not.EqualTo(c.ChunkA.Value.ToArray()));
    }

    [Test]
    public void AtStepZero_TheOutputEqualsTheBaseLayer()
    {
        var config = ProLoraConfig.ProLora(16, 12, 8, 1, 2, 2) with { Dropout = 0.1f };
        var w = Rand.Uniform(1, 12 * 16);
        var bias = Rand.Uniform(2, 12);
        using var layer = new ProLoraLinear(Variable.Constant(Cpu.FromArray(w, new Shape(12, 16))), Variable.Constant(Cpu.FromArray(bias, new Shape(12))), ProLoraAdapter.Create(config, Cpu));
        var x = Rand.Uniform(3, 5 * 16);
        using var tape = new Tape(Cpu);
        var y = layer.Forward(tape, Variable.Constant(Cpu.FromArray(x, new Shape(5, 16)))).Value.ToArray();
        for (int i = 0; i < 5; i++)
        {
            for (int o = 0; o < 12; o++)
            {
                double expected = bias[o];
                for (int p = 0; p < 16; p++)
                {
                    expected += x[(i * 16) + p] * w[(o * 16) + p];
                }
                Assert.That(y[(i * 12) + o], Is.EqualTo(expected).Within(1e-5));
            }
        }
    }

    [Test]
    public void NamedVariants_HaveTheirDefiningSettings()
    {
        var lora = ProLoraConfig.Lora(64, 32, 8);
        var clora = ProLoraConfig.CLora(64, 32, 8, 4, 4);
        var rolora = ProLoraConfig.RoLora(64, 32, 8, 4, 4);
        Assert.That((lora.UnsharedRank, lora.SharedRank, lora.TrainableParameters), Is.EqualTo((8, 0, 8L * 96)));
        Assert.That((clora.UnsharedRank, clora.ShiftA, clora.ShiftB), Is.EqualTo((0, 0, 0)));
        Assert.That((rolora.UnsharedRank, rolora.ShiftA, rolora.ShiftB), Is.EqualTo((0, 2, 2)));
    }

    [Test]
    public void Scaling_IsAlphaOverR_OrOverSqrtRWithRsLora()
    {
        var c = ProLoraConfig.Lora(8, 8, 4, loraAlpha: 16f);
        Assert.That(c.Scaling, Is.EqualTo(4f));
        Assert.That((c with { UseRsLora = true }).Scaling, Is.EqualTo(8f));
    }
}
