using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Quantization;
using PRoLoRA.Native.Tensors;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Quantization;

/// <summary>
/// Training through a quantised frozen base on the CPU tape: the products with the base are those of
/// the float32 base holding the dequantised values (the GEMM widens B only while packing it), so the
/// input's gradient and every adapter gradient equal, bit for bit, the float32 computation.
/// </summary>
public class QuantizedTapeTests
{
    private static readonly CpuBackend Cpu = CpuBackend.Instance;

    public static IEnumerable<TestCaseData> Formats()
    {
        yield return new TestCaseData(TensorDType.BFloat16, false).SetName("BFloat16");
        yield return new TestCaseData(TensorDType.Nf4, false).SetName("Nf4");
        yield return new TestCaseData(TensorDType.Nf4, true).SetName("Nf4_DoubleQuant");
    }

    [TestCaseSource(nameof(Formats))]
    public void MatMul_ThroughAQuantisedBase_GradientEqualsTheFloat32One(TensorDType dtype, bool doubleQuant)
    {
        // Shapes large enough for the packed paths, odd in every direction.
        const int rows = 37, inF = 130, outF = 75;
        var matrix = QuantizedMatrix.Quantize(Rand.Uniform(1, outF * inF), outF, inF, dtype, doubleQuant);
        var x = Rand.Uniform(2, rows * inF);
        using var seed = Cpu.FromArray(Rand.Uniform(3, rows * outF), new Shape(rows, outF));

        var (y, dx) = ForwardBackward(Cpu.FromQuantized(matrix), x, rows, inF, seed);
        var (y32, dx32) = ForwardBackward(Cpu.FromArray(matrix.Dequantize(), new Shape(outF, inF)), x, rows, inF, seed);

        Assert.That(y, Is.EqualTo(y32), "y = x·Wᵀ");
        Assert.That(dx, Is.EqualTo(dx32), "dx = dy·W");
        Assert.That(dx.Any(v => v != 0f), "the gradient is not all zero");
    }

    [TestCaseSource(nameof(Formats))]
    public void ProLoraLinear_OnAQuantisedBase_HasTheAdapterGradientsOfTheFloat32Base(TensorDType dtype, bool doubleQuant)
    {
        const int rows = 40, inF = 96, outF = 80;
        var matrix = QuantizedMatrix.Quantize(Rand.Uniform(4, outF * inF), outF, inF, dtype, doubleQuant);
        var x = Rand.Uniform(5, rows * inF);
        using var seed = Cpu.FromArray(Rand.Uniform(6, rows * outF), new Shape(rows, outF));

        var quantised = Train(Variable.Constant(Cpu.FromQuantized(matrix)), x, rows, seed);
        var float32 = Train(Variable.Constant(Cpu.FromArray(matrix.Dequantize(), new Shape(outF, inF))), x, rows, seed);

        Assert.That(quantised.Y, Is.EqualTo(float32.Y), "forward");
        Assert.That(quantised.Dx, Is.EqualTo(float32.Dx), "input gradient");
        for (int i = 0; i < quantised.Grads.Length; i++)
        {
            Assert.That(quantised.Grads[i], Is.EqualTo(float32.Grads[i]), $"adapter parameter {i}");
            Assert.That(quantised.Grads[i].Any(v => v != 0f), $"adapter parameter {i} has a gradient");
        }
    }

    [Test]
    public void Merge_IntoAQuantisedBase_SaysWhy()
    {
        var matrix = QuantizedMatrix.Quantize(Rand.Uniform(7, 80 * 96), 80, 96, TensorDType.Nf4);
        using var layer = new ProLoraLinear(Variable.Constant(Cpu.FromQuantized(matrix)), null, Adapter());
        var e = Assert.Throws<InvalidOperationException>(layer.Merge)!;
        Assert.That(e.Message, Does.StartWith("cannot merge into a quantised (Nf4) base weight"));
        Assert.That(layer.IsMerged, Is.False);
    }

    private static (float[] Y, float[] Dx) ForwardBackward(Tensor weight, float[] x, int rows, int inF, Tensor seed)
    {
        using var tape = new Tape(Cpu);
        var w = Variable.Constant(weight);
        var input = Variable.Input(Cpu.FromArray(x, new Shape(rows, inF)));
        var y = tape.MatMul(input, w, transB: true);
        tape.Backward(y, seed);
        var result = (y.Value.ToArray(), input.Grad!.ToArray());
        weight.Dispose();
        return result;
    }

    private static (float[] Y, float[] Dx, float[][] Grads) Train(Variable weight, float[] x, int rows, Tensor seed)
    {
        using var layer = new ProLoraLinear(weight, null, Adapter());
        using var tape = new Tape(Cpu);
        var input = Variable.Input(Cpu.FromArray(x, new Shape(rows, x.Length / rows)));
        var y = layer.Forward(tape, input);
        tape.Backward(y, seed);
        return (y.Value.ToArray(), input.Grad!.ToArray(), [.. layer.Adapter.Parameters.Select(p => p.Grad!.ToArray())]);
    }

    // in 96 = 4 chunks of 24 (m = 4), out 80 = 5 chunks of 16 (n = 5), r = 6 with 2 unshared ranks.
    private static ProLoraAdapter Adapter()
    {
        var config = ProLoraConfig.ProLora(96, 80, 6, 2, 4, 5);
        return new ProLoraAdapter(config, T(11, 4, 24), T(12, 2, 96), T(13, 80 / 5, 4), T(14, 2, 80));
    }

    private static Tensor T(int seed, params int[] shape) => Cpu.FromArray(Rand.Uniform(seed, new Shape(shape).Count), new Shape(shape));
}
