using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Tests.BackendParity;

/// <summary>Fill, axpby, mul, dropout (bit-exact masks), row-vector add, ReLU and its gradient.</summary>
public abstract partial class BackendParityTests
{
    [Test]
    public void Fill_MatchesCpu([Values(1, 300, 1000)] int n)
    {
        var (x, xRef) = RandomPair(n);
        Backend.Fill(x, 0.25f);
        Cpu.Fill(xRef, 0.25f);
        AssertExact(x, xRef, "x");
    }

    [Test]
    public void Axpby_MatchesCpu([Values(0f, 1f, -0.75f)] float beta)
    {
        var (x, xRef) = RandomPair(33, 17);
        var (y, yRef) = Pair(beta == 0f ? NaNs(33 * 17) : Randoms(33 * 17), 33, 17);
        Backend.Axpby(1.5f, x, beta, y);
        Cpu.Axpby(1.5f, xRef, beta, yRef);
        AssertClose(y, yRef, "y");
    }

    [Test]
    public void Mul_MatchesCpu([Values] bool inPlace)
    {
        var (a, aRef) = RandomPair(1001);
        var (b, bRef) = RandomPair(1001);
        var (o, oRef) = inPlace ? (a, aRef) : Pair(NaNs(1001), 1001);
        Backend.Mul(a, b, o);
        Cpu.Mul(aRef, bRef, oRef);
        AssertExact(o, oRef, "output");
    }

    [Test]
    public void Dropout_MatchesCpuBitForBit([Values(0f, 0.1f, 0.5f)] float p, [Values(0UL, 0x9E3779B97F4A7C15UL)] ulong seed)
    {
        var (x, xRef) = RandomPair(40, 50);
        var (mask, maskRef) = Pair(NaNs(2000), 40, 50);
        var (o, oRef) = Pair(NaNs(2000), 40, 50);
        Backend.Dropout(x, p, seed, mask, o);
        Cpu.Dropout(xRef, p, seed, maskRef, oRef);
        AssertExact(mask, maskRef, "mask");
        AssertExact(o, oRef, "output");
    }

    [Test]
    public void Dropout_RejectsP1()
    {
        var (x, _) = RandomPair(4);
        Assert.That(() => Backend.Dropout(x, 1f, 0, x, x), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("p"));
    }

    [Test]
    public void AddRowVector_MatchesCpu([Values(1, 13)] int rows)
    {
        var (x, xRef) = RandomPair(rows, 9);
        var (bias, biasRef) = RandomPair(9);
        var (o, oRef) = Pair(NaNs(rows * 9), rows, 9);
        Backend.AddRowVector(x, bias, o);
        Cpu.AddRowVector(xRef, biasRef, oRef);
        AssertExact(o, oRef, "output");
    }

    [Test]
    public void Relu_MatchesCpu()
    {
        var (x, xRef) = RandomPair(17, 31);
        var (o, oRef) = Pair(NaNs(17 * 31), 17, 31);
        Backend.Relu(x, o);
        Cpu.Relu(xRef, oRef);
        AssertExact(o, oRef, "output");
    }

    [Test]
    public void ReluBackward_MatchesCpu([Values(0f, 1f, 0.5f)] float beta)
    {
        var (x, xRef) = RandomPair(700);
        var (dy, dyRef) = RandomPair(700);
        var (dx, dxRef) = Pair(beta == 0f ? NaNs(700) : Randoms(700), 700);
        Backend.ReluBackward(x, dy, dx, beta);
        Cpu.ReluBackward(xRef, dyRef, dxRef, beta);
        AssertClose(dx, dxRef, "dx");
    }

    [Test]
    public void Elementwise_RejectsViewsAndOtherBackends()
    {
        var (x, _) = TransposedPair(4, 5);
        Assert.That(() => Backend.Fill(x, 0f), Throws.ArgumentException.With.Property("ParamName").EqualTo("x"));
        var (y, yRef) = RandomPair(4, 5);
        var (z, _) = RandomPair(5, 4);
        Assert.That(() => Backend.Axpby(1f, y, 0f, z), Throws.ArgumentException.With.Property("ParamName").EqualTo("y"));
        if (!ReferenceEquals(Backend, Cpu))
        {
            Assert.That(() => Backend.Relu(yRef, y), Throws.ArgumentException.With.Property("ParamName").EqualTo("x"));
        }
        var host = new float[3];
        Assert.That(() => Backend.CopyToHost(y, host), Throws.ArgumentException.With.Property("ParamName").EqualTo("dst"));
        Assert.That(y.Shape, Is.EqualTo(new Shape(4, 5)));
    }
}
