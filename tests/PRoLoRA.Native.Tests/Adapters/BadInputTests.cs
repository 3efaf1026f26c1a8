using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Tests.Adapters;

public class BadInputTests
{
    private static ProLoraConfig Valid => new() { InFeatures = 16, OutFeatures = 8, Rank = 4, UnsharedRank = 1, ReduceA = 2, ReduceB = 2 };

    [Test]
    public void RankNotPositive() => Assert.That(() => (Valid with { Rank = 0 }).Validate(), Throws.ArgumentException.With.Message.Contains("rank r must be > 0"));

    [TestCase(-1)]
    [TestCase(5)]
    public void UnsharedRankOutsideZeroToR(int u)
        => Assert.That(() => (Valid with { UnsharedRank = u }).Validate(), Throws.ArgumentException.With.Message.Contains("unshared rank u").And.Message.Contains(u.ToString()));

    [TestCase(0)]
    [TestCase(17)]
    public void ReduceAOutOfRange(int m)
        => Assert.That(() => (Valid with { ReduceA = m }).Validate(), Throws.ArgumentException.With.Message.Contains("reduce_a"));

    [TestCase(-2)]
    [TestCase(9)]
    public void ReduceBOutOfRange(int n)
        => Assert.That(() => (Valid with { ReduceB = n }).Validate(), Throws.ArgumentException.With.Message.Contains("reduce_b"));

    [Test]
    public void DropoutOutOfRange() => Assert.That(() => (Valid with { Dropout = 1f }).Validate(), Throws.ArgumentException.With.Message.Contains("dropout"));

    [Test]
    public void XWhoseLastDimensionIsNotIn()
    {
        var cpu = CpuBackend.Instance;
        using var layer = new ProLoraLinear(Variable.Constant(cpu.Zeros(new Shape(8, 16))), null, ProLoraAdapter.Create(Valid, cpu));
        using var tape = new Tape(cpu);
        Assert.That(() => layer.Forward(tape, Variable.Constant(cpu.Zeros(new Shape(3, 15)))),
            Throws.ArgumentException.With.Message.Contains("(3, 15)").And.Message.Contains("in_features = 16"));
    }

    [Test]
    public void BaseWeightOfTheWrongShape()
    {
        var cpu = CpuBackend.Instance;
        Assert.That(() => new ProLoraLinear(Variable.Constant(cpu.Zeros(new Shape(16, 8))), null, ProLoraAdapter.Create(Valid, cpu)),
            Throws.ArgumentException.With.Message.Contains("base weight has shape (16, 8)"));
    }

    [Test]
    public void AdapterTensorsOfTheWrongShape()
    {
        var cpu = CpuBackend.Instance;
        Assert.That(() => new ProLoraAdapter(Valid, cpu.Zeros(new Shape(3, 7)), cpu.Zeros(new Shape(1, 16)), cpu.Zeros(new Shape(4, 3)), cpu.Zeros(new Shape(1, 8))),
            Throws.ArgumentException.With.Message.Contains("chunk_a has shape (3, 7), expected (3, 8)"));
    }
}
