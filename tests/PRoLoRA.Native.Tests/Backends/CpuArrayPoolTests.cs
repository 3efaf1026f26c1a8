using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Tests.Backends;

public class CpuArrayPoolTests
{
    [Test]
    public void DisposedTensorsArray_IsReusedForTheSameSize()
    {
        var pool = new CpuArrayPool(1 << 20);
        var first = pool.Rent(100);
        pool.Return(first);

        Assert.That(pool.Rent(100), Is.SameAs(first));
        Assert.That(pool.Rent(100), Is.Not.SameAs(first));
        Assert.That(pool.Rent(99), Has.Length.EqualTo(99));
    }

    [Test]
    public void PastTheCap_ArraysAreLeftToTheGarbageCollector()
    {
        var pool = new CpuArrayPool(100 * sizeof(float));
        pool.Return(new float[60]);
        pool.Return(new float[60]);

        Assert.That(pool.PooledBytes, Is.EqualTo(60 * sizeof(float)));
        pool.Trim();
        Assert.That(pool.PooledBytes, Is.Zero);
    }

    [Test]
    public void DisposingTwice_ReturnsTheArrayOnce()
    {
        var be = CpuBackend.Instance;
        be.ReleaseCachedMemory();
        var t = be.Empty(new Shape(1234, 7));
        t.Dispose();
        t.Dispose();

        using var a = be.Empty(new Shape(1234, 7));
        using var b = be.Empty(new Shape(1234, 7));
        Assert.That(((CpuStorage)a.Storage).Data, Is.Not.SameAs(((CpuStorage)b.Storage).Data));
    }

    [Test]
    public void Zeros_FromAReusedArray_IsZero()
    {
        var be = CpuBackend.Instance;
        var t = be.Empty(new Shape(333));
        be.Fill(t, 5f);
        t.Dispose();

        using var z = be.Zeros(new Shape(333));
        Assert.That(z.ToArray(), Is.All.Zero);
    }
}
