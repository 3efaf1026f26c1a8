using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Quantization;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Tests.Quantization;

/// <summary><see cref="QuantizedMatrix"/>: what it holds, and bad input refused with a message that names the problem.</summary>
public class QuantizedMatrixTests
{
    [Test]
    public void Quantize_KeepsTheShapeAndDequantisesToTheCodecsValues()
    {
        float[] values = [0.5f, -1.25f, 3f, 0f, 0.125f, -2f];
        var bf16 = QuantizedMatrix.Quantize(values, 2, 3, TensorDType.BFloat16);
        var nf4 = QuantizedMatrix.Quantize(values, 2, 3, TensorDType.Nf4);
        Assert.Multiple(() =>
        {
            Assert.That((bf16.Rows, bf16.Cols, bf16.DType, bf16.StorageBytes), Is.EqualTo((2, 3, TensorDType.BFloat16, 12L)));
            Assert.That(bf16.Dequantize(), Is.EqualTo(values), "these values are exact in bfloat16");
            Assert.That((nf4.Rows, nf4.Cols, nf4.DType), Is.EqualTo((2, 3, TensorDType.Nf4)));
            Assert.That(nf4.Dequantize(), Is.EqualTo(Nf4.Dequantize(Nf4.Quantize(values))));
        });
    }

    [Test]
    public void BadInput_IsRefusedNamingTheProblem()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => QuantizedMatrix.FromBFloat16(new ushort[5], 2, 3),
                Throws.ArgumentException.With.Message.Contains("a 2×3 matrix has 6 values, but its BFloat16 storage holds 5"));
            Assert.That(() => QuantizedMatrix.FromNf4(Nf4.Quantize(new float[7]), 2, 3),
                Throws.ArgumentException.With.Message.Contains("a 2×3 matrix has 6 values, but its Nf4 storage holds 7"));
            Assert.That(() => QuantizedMatrix.FromBFloat16(new ushort[0], -1, 0), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("rows"));
            Assert.That(() => QuantizedMatrix.Quantize(new float[5], 2, 3, TensorDType.Nf4),
                Throws.ArgumentException.With.Message.Contains("5 values do not fill a 2×3 matrix"));
            Assert.That(() => QuantizedMatrix.Quantize(new float[6], 2, 3, TensorDType.Float32),
                Throws.ArgumentException.With.Message.Contains("BFloat16 or Nf4, not Float32"));
            Assert.That(() => QuantizedMatrix.Quantize([1f, float.NaN], 1, 2, TensorDType.Nf4), Throws.ArgumentException.With.Message.Contains("NaN"));
            Assert.That(() => QuantizedMatrix.Quantize(new float[6], 2, 3, TensorDType.BFloat16).Dequantize(new float[5]),
                Throws.ArgumentException.With.Message.Contains("a 2×3 matrix has 6 values, the destination holds 5"));
            Assert.That(() => CpuBackend.Instance.FromQuantized(null!), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("matrix"));
        });
    }
}
