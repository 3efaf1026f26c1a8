using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Optim;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Tests.Optim;

public class AdamWTrainingTests
{
    [Test]
    public void AdamWWithWarmupAndClipping_FitsAProLoraLinearToFixedTargets()
    {
        var be = CpuBackend.Instance;
        var rng = new Random(3);
        float[] Random(int n) => [.. Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5))];
        var config = ProLoraConfig.ProLora(16, 12, 4, 1, 2, 2) with { Seed = 5 };
        using var layer = new ProLoraLinear(Variable.Constant(be.FromArray(Random(12 * 16), new Shape(12, 16))), null, ProLoraAdapter.Create(config, be));
        using var x = be.FromArray(Random(32 * 16), new Shape(32, 16));
        int[] targets = [.. Enumerable.Range(0, 32).Select(i => i % 12)];
        var groups = ParamGroup.SharedAndUnshared([layer.Adapter], sharedScale: 1f, unsharedScale: 2f);
        using var optimizer = new AdamW(groups, new AdamWOptions { LearningRate = 1e-2f, WeightDecay = 0f });
        var schedule = new LinearWarmupSchedule(5e-2f, warmupSteps: 5, totalSteps: 60);

        float Step()
        {
            using var tape = new Tape(be);
            var loss = tape.SoftmaxCrossEntropy(layer.Forward(tape, Variable.Constant(x)), targets);
            float value = loss.Value.ToArray()[0];
            optimizer.ZeroGrad();
            tape.Backward(loss);
            GradientClipping.ClipGlobalNorm(optimizer.Parameters, 0.3f);
            optimizer.Step(schedule);
            return value;
        }

        float first = Step();
        float last = first;
        for (int i = 1; i < 60; i++)
        {
            last = Step();
        }
        Assert.That(last, Is.LessThan(first * 0.5f), $"loss {first} → {last}");
        Assert.That(optimizer.StepCount, Is.EqualTo(60));
    }
}
