using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Tests;

public class ShapeTests
{
    [Test]
    public void ACountBeyond64Bits_IsRejected()
        => Assert.That(() => new Shape(int.MaxValue, int.MaxValue, int.MaxValue), Throws.ArgumentException.With.Message.Contains("more elements than 64 bits count"));

    [Test]
    public void AZeroExtent_MakesAnyShapeEmpty() => Assert.That(new Shape(int.MaxValue, int.MaxValue, int.MaxValue, 0).Count, Is.Zero);

    [Test]
    public void ACpuTensorLargerThanAnArray_IsAClearError()
        => Assert.That(() => CpuBackend.Instance.Zeros(new Shape(65536, 65536)), Throws.ArgumentException.With.Message.Contains("more than one array holds"));
}
