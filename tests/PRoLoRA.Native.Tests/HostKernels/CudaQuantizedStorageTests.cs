using PRoLoRA.Native.Backends.Cuda;
using PRoLoRA.Native.Quantization;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Tests.HostKernels;

/// <summary>
/// A quantised weight's device memory (CudaQuantizedStorage) over the host shim, every block its own
/// allocation: it is all returned when the tensor is disposed, the scratch of a quantised GEMM or copy
/// is returned when the op ends, and a disposed weight is refused instead of being read after its free.
/// </summary>
public sealed class CudaQuantizedStorageTests
{
    public static IEnumerable<TestCaseData> Matrices()
    {
        var values = Enumerable.Range(0, 6 * 70).Select(i => MathF.Sin(i * 0.37f)).ToArray();
        yield return new TestCaseData(QuantizedMatrix.Quantize(values, 6, 70, TensorDType.BFloat16)).SetArgDisplayNames("bf16");
        yield return new TestCaseData(QuantizedMatrix.Quantize(values, 6, 70, TensorDType.Nf4)).SetArgDisplayNames("nf4");
        yield return new TestCaseData(QuantizedMatrix.Quantize(values, 6, 70, TensorDType.Nf4, doubleQuantize: true)).SetArgDisplayNames("nf4 double-quantised");
    }

    [TestCaseSource(nameof(Matrices))]
    public void AQuantizedTensor_ReturnsItsMemory_AndItsOpsTheirScratch(QuantizedMatrix matrix)
    {
        using var backend = new CudaBackend(new HostShimDevice(HostKernelLibrary.Require()), exactAllocations: true);
        using var x = backend.FromArray(new float[3 * 70], new Shape(3, 70));
        using var y = backend.Zeros(new Shape(3, 6));
        using var wide = backend.Zeros(new Shape(70, 6));
        long operands = backend.Allocator.LiveBytes;

        var w = backend.FromQuantized(matrix);
        long held = backend.Allocator.LiveBytes - operands;
        Assert.That(held, Is.GreaterThanOrEqualTo(matrix.StorageBytes - 4), "the packed data and absmax storage are on the device (the offset is a kernel argument)");
        backend.QuantizedTileFloats = 100;
        backend.Gemm(x, w.T, y);
        backend.Copy(w.T, wide);
        Assert.That(backend.Allocator.LiveBytes, Is.EqualTo(operands + held), "the tiles went back");

        w.Dispose();
        Assert.That(backend.Allocator.LiveBytes, Is.EqualTo(operands), "every block of the weight went back");
        Assert.That(() => backend.Copy(w.T, wide), Throws.InstanceOf<ObjectDisposedException>());
        Assert.That(() => backend.Gemm(x, w.T, y), Throws.InstanceOf<ObjectDisposedException>());
        Assert.That(backend.Allocator.LiveBytes, Is.EqualTo(operands), "a refused op returns its scratch");
    }
}
