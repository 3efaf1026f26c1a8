using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Tests.Autograd;

public class TapeTests
{
    private static readonly CpuBackend Cpu = CpuBackend.Instance;

    private static Variable Param(params float[] values) => Variable.Parameter(Cpu.FromArray(values, new Shape(values.Length)), "p");

    [Test]
    public void GradientsAccumulateAcrossBackwardPasses_UntilZeroGrad()
    {
        var p = Param(1f, 2f, 3f);
        for (int pass = 1; pass <= 2; pass++)
        {
            using var tape = new Tape(Cpu);
            tape.Backward(tape.Scale(p, 3f));
            Assert.That(p.Grad!.ToArray(), Is.All.EqualTo(3f * pass));
        }
        p.ZeroGrad();
        Assert.That(p.Grad!.ToArray(), Is.All.EqualTo(0f));
    }

    [Test]
    public void NoGrad_RecordsNothing_AndTurnsDropoutOff()
    {
        var p = Param(1f, 2f, 3f, 4f);
        using var tape = new Tape(Cpu);
        using (tape.NoGrad())
        {
            var y = tape.Dropout(tape.Scale(p, 2f), 0.9f, 7);
            Assert.That(y.RequiresGrad, Is.False);
            Assert.That(y.Value.ToArray(), Is.EqualTo(new[] { 2f, 4f, 6f, 8f }));
        }
        Assert.That(tape.RecordedOps, Is.Zero);
        Assert.That(tape.IsRecording, Is.True);
    }

    [Test]
    public void BackwardFromAConstant_SaysWhy()
    {
        using var tape = new Tape(Cpu);
        var c = tape.Scale(Variable.Constant(Cpu.Zeros(new Shape(2))), 2f);
        Assert.That(() => tape.Backward(c), Throws.InvalidOperationException.With.Message.Contains("does not require a gradient"));
    }

    [Test]
    public void ASeedOfTheWrongShape_IsRejected()
    {
        var p = Param(1f, 2f);
        using var tape = new Tape(Cpu);
        var y = tape.Scale(p, 2f);
        Assert.That(() => tape.Backward(y, Cpu.Zeros(new Shape(3))), Throws.ArgumentException.With.Message.Contains("backward seed has shape (3)"));
    }

    [Test]
    public void MatMulOfDisagreeingShapes_NamesThem()
    {
        using var tape = new Tape(Cpu);
        var a = Variable.Constant(Cpu.Zeros(new Shape(2, 3)));
        var b = Variable.Constant(Cpu.Zeros(new Shape(4, 5)));
        Assert.That(() => tape.MatMul(a, b), Throws.ArgumentException.With.Message.Contains("(2, 3)").And.Message.Contains("(4, 5)"));
    }
}
