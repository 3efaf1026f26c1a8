using PRoLoRA.Native.Backends.Cuda;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.HostKernels;

/// <summary>The host-shim device itself: errors, copies and its cuBLAS-style SGEMM.</summary>
public sealed class HostShimDeviceTests : HostKernelFixture
{
    /// <summary>An unknown kernel is an exception that names it, not a silent no-op.</summary>
    [Test]
    public void Launch_OfAnUnknownKernel_ThrowsWithItsName()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Device.Launch("no_such_kernel", new Dim3(1), new Dim3(BlockSize), 0, []));
        Assert.That(ex!.Message, Does.Contain("no_such_kernel"));
    }

    /// <summary>Host → device → device → host returns the data, and zero-byte allocations work.</summary>
    [Test]
    public unsafe void Copies_RoundTrip()
    {
        float[] data = [1f, -2f, 3.5f];
        var a = Upload<float>(data);
        var b = Upload<float>(new float[3]);
        Device.CopyDeviceToDevice(b.Pointer, a.Pointer, 3 * sizeof(float));
        Assert.That(b.Download(), Is.EqualTo(data));
        IntPtr empty = Device.Allocate(0);
        Assert.That(empty, Is.Not.EqualTo(IntPtr.Zero));
        Device.Free(empty);
    }

    /// <summary>
    /// Row-major C = alpha·op(A)·op(B) + beta·C through column-major SGEMM (Cᵀ = op(B)ᵀ·op(A)ᵀ), as
    /// CudaBackend calls cuBLAS, against the definition; beta = 0 must not read C.
    /// </summary>
    [Test]
    public void Sgemm_MatchesTheDefinition([Values] bool transA, [Values] bool transB, [Values(0f, 1f)] float beta)
    {
        var rng = new Random(61);
        const int m = 5, n = 7, k = 9;
        const float alpha = 0.75f;
        // a is M×K, stored K×M when transposed; b is K×N, stored N×K when transposed.
        var aStore = RandomFloats(rng, m * k);
        var bStore = RandomFloats(rng, k * n);
        var a = transA ? HostArrays.Transpose(aStore, k, m) : aStore;
        var b = transB ? HostArrays.Transpose(bStore, n, k) : bStore;
        var c = beta == 0f ? NaNs(m * n) : RandomFloats(rng, m * n);
        var dA = Upload<float>(aStore);
        var dB = Upload<float>(bStore);
        var dC = Upload<float>(c);
        CpuBackend.Reference.Gemm(a, b, c, m, n, k, alpha, beta);
        // Row-major storage read column-major is the transpose, so swap the operands.
        Device.Sgemm(transB, transA, n, m, k, alpha, dB.Pointer, transB ? k : n, dA.Pointer, transA ? m : k, beta, dC.Pointer, n);
        FloatAssert.Close(dC.Download(), c, "c", 1e-5f, floor: 1f); // summation order differs from the reference's
    }
}
