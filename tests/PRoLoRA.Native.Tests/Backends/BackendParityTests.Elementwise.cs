using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Tests.BackendParity;

/// <summary>Fill, axpby, mul, dropout (bit-exact masks), row-vector add, ReLU and its gradient, and the checks every op shares.</summary>
public abstract partial class BackendParityTests
{
    [Test]
    public void Fill_MatchesTheDefinition([Values(1, 300, 1000)] int n)
    {
        var (x, expected) = RandomPair(n);
        Backend.Fill(x, 0.25f);
        CpuBackend.Reference.Fill(expected, 0.25f);
        AssertExact(x, expected, "x");
    }

    [Test]
    public void Axpby_MatchesTheDefinition([Values(0f, 1f, -0.75f)] float beta)
    {
        var (x, xHost) = RandomPair(33, 17);
        var (y, expected) = Pair(beta == 0f ? NaNs(33 * 17) : Randoms(33 * 17), 33, 17);
        Backend.Axpby(1.5f, x, beta, y);
        CpuBackend.Reference.Axpby(1.5f, xHost, beta, expected);
        AssertClose(y, expected, "y");
    }

    [Test]
    public void Mul_MatchesTheDefinition([Values] bool inPlace)
    {
        var (a, aHost) = RandomPair(1001);
        var (b, bHost) = RandomPair(1001);
        var (o, expected) = inPlace ? (a, (float[])aHost.Clone()) : Pair(NaNs(1001), 1001);
        Backend.Mul(a, b, o);
        CpuBackend.Reference.Mul(aHost, bHost, expected);
        AssertExact(o, expected, "output");
    }

    [Test]
    public void Dropout_MatchesTheDefinitionBitForBit([Values(0f, 0.1f, 0.5f)] float p, [Values(0UL, 0x9E3779B97F4A7C15UL)] ulong seed)
    {
        var (x, xHost) = RandomPair(40, 50);
        var (mask, expectedMask) = Pair(NaNs(2000), 40, 50);
        var (o, expected) = Pair(NaNs(2000), 40, 50);
        Backend.Dropout(x, p, seed, mask, o);
        CpuBackend.Reference.Dropout(xHost, p, seed, expectedMask, expected);
        AssertExact(mask, expectedMask, "mask");
        AssertExact(o, expected, "output");
    }

    /// <summary>
    /// The boundary of "keep iff u ≥ p": an element whose uniform is exactly p is kept, u = 0
    /// included (p = 0 keeps everything). The seed is solved for so that element 5 draws u = p.
    /// </summary>
    [Test]
    public void Dropout_KeepsAnElementWhoseUniformEqualsP([Values(0f, 0.5f, 0.25f)] float p)
    {
        const int n = 8, index = 5;
        ulong seed = DropoutSeeds.Drawing(index, (ulong)(p * 16777216f));
        Assume.That(PRoLoRA.Native.Backends.DropoutRng.Uniform(seed, index), Is.EqualTo(p), "the solved seed draws u = p");
        var (x, xHost) = Pair([.. Enumerable.Range(1, n).Select(i => (float)i)], n);
        var (mask, expectedMask) = Pair(NaNs(n), n);
        var (o, expected) = Pair(NaNs(n), n);
        Backend.Dropout(x, p, seed, mask, o);
        CpuBackend.Reference.Dropout(xHost, p, seed, expectedMask, expected);
        Assert.That(mask.ToArray()[index], Is.EqualTo(1f / (1f - p)), "mask at u = p");
        AssertExact(mask, expectedMask, "mask");
        AssertExact(o, expected, "output");
    }

    [Test]
    public void AddRowVector_MatchesTheDefinition([Values(1, 13)] int rows)
    {
        var (x, xHost) = RandomPair(rows, 9);
        var (bias, biasHost) = RandomPair(9);
        var (o, expected) = Pair(NaNs(rows * 9), rows, 9);
        Backend.AddRowVector(x, bias, o);
        CpuBackend.Reference.AddRowVector(xHost, biasHost, expected, rows, 9);
        AssertExact(o, expected, "output");
    }

    /// <summary>max(x, 0), with −0, +0, NaN and the infinities among the inputs.</summary>
    [Test]
    public void Relu_MatchesTheDefinition()
    {
        var (x, xHost) = Pair([.. Randoms(300), -0f, 0f, float.NaN, float.NegativeInfinity, float.PositiveInfinity], 305);
        var (o, expected) = Pair(NaNs(305), 305);
        Backend.Relu(x, o);
        CpuBackend.Reference.Relu(xHost, expected);
        AssertExact(o, expected, "output");
    }

    [Test]
    public void ReluBackward_MatchesTheDefinition([Values(0f, 1f, 0.5f)] float beta)
    {
        var (x, xHost) = RandomPair(700);
        var (dy, dyHost) = RandomPair(700);
        var (dx, expected) = Pair(beta == 0f ? NaNs(700) : Randoms(700), 700);
        Backend.ReluBackward(x, dy, dx, beta);
        CpuBackend.Reference.ReluBackward(xHost, dyHost, expected, beta);
        AssertClose(dx, expected, "dx");
    }

    /// <summary>silu(x) = x·σ(x), with large |x| (e^(−x) overflows) and the special values among the inputs.</summary>
    [Test]
    public void Silu_MatchesTheDefinition()
    {
        var (x, xHost) = Pair([.. Randoms(300, -8f, 8f), -100f, 100f, -0f, 0f, float.NegativeInfinity, float.PositiveInfinity], 306);
        var (o, expected) = Pair(NaNs(306), 306);
        Backend.Silu(x, o);
        CpuBackend.Reference.Silu(xHost, expected);
        AssertClose(o, expected, "output");
    }

    [Test]
    public void SiluBackward_MatchesTheDefinition([Values(0f, 1f, 0.5f)] float beta)
    {
        var (x, xHost) = Pair(Randoms(700, -8f, 8f), 700);
        var (dy, dyHost) = RandomPair(700);
        var (dx, expected) = Pair(beta == 0f ? NaNs(700) : Randoms(700), 700);
        Backend.SiluBackward(x, dy, dx, beta);
        CpuBackend.Reference.SiluBackward(xHost, dyHost, expected, beta);
        AssertClose(dx, expected, "dx");
    }

    [Test]
    public void Dropout_RejectsP1()
    {
        var (x, _) = RandomPair(4);
        Assert.That(() => Backend.Dropout(x, 1f, 0, x, x), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("p"));
    }

    [Test]
    public void Ops_RejectViewsOtherBackendsAndNulls_NamingTheArgument()
    {
        var (x, _) = TransposedPair(4, 5);
        Assert.That(() => Backend.Fill(x, 0f), Throws.ArgumentException.With.Property("ParamName").EqualTo("x").And.Message.StartsWith("x of shape (4, 5) must be contiguous"));
        var (y, _) = RandomPair(4, 5);
        var (z, _) = RandomPair(5, 4);
        Assert.That(() => Backend.Axpby(1f, y, 0f, z), Throws.ArgumentException.With.Property("ParamName").EqualTo("y"));
        using var other = ReferenceEquals(Backend, CpuBackend.Instance) ? new CpuBackend() : CpuBackend.Instance;
        using var foreign = other.Zeros(new Shape(4, 5));
        Assert.That(() => Backend.Relu(foreign, y), Throws.ArgumentException.With.Property("ParamName").EqualTo("x").And.Message.StartsWith("x lives on "));
        Assert.That(() => Backend.Relu(null!, y), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("x"));
        Assert.That(() => Backend.Gemm(y, null!, y), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("b"));
        Assert.That(() => Backend.BroadcastRollGrad(y, y, null!, 0, 0f), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("dVec"));
        Assert.That(() => Backend.SoftmaxCrossEntropy(y, [0, 1, 2, 3], null!), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("dLogits"));
        var host = new float[3];
        Assert.That(() => Backend.CopyToHost(y, host), Throws.ArgumentException.With.Property("ParamName").EqualTo("dst"));
        Assert.That(() => Backend.FromArray(host, new Shape(2, 2)), Throws.ArgumentException.With.Property("ParamName").EqualTo("data"));
        Assert.That(y.Shape, Is.EqualTo(new Shape(4, 5)));
    }
}
