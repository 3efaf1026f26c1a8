using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Backends;
using PRoLoRA.Native.IO;
using PRoLoRA.Native.Optim;
using PRoLoRA.Native.Tensors;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.IO;

/// <summary>The README's library example, on small shapes, so the documented API keeps compiling and working.</summary>
public class ReadmeExampleTests
{
    [Test]
    public void TrainOneStep_ThenSaveAndExport()
    {
        using var dir = new TempFolder();
        using var backend = Devices.Open("cpu");
        var config = ProLoraConfig.ProLora(inFeatures: 28, outFeatures: 21, rank: 8, unsharedRank: 1, reduceA: 7, reduceB: 7);
        var baseWeight = backend.FromArray(Rand.Uniform(1, 21 * 28), new Shape(21, 28));
        using var layer = new ProLoraLinear(Variable.Constant(baseWeight), bias: null, ProLoraAdapter.Create(config, backend));
        var adapters = new Dictionary<string, ProLoraAdapter> { ["model.layers.0.self_attn.q_proj"] = layer.Adapter };
        using var optimizer = new AdamW(ParamGroup.SharedAndUnshared(adapters.Values, sharedScale: 1f, unsharedScale: 1f),
                                        new AdamWOptions { LearningRate = 2e-2f, WeightDecay = 0f });
        var schedule = new LinearWarmupSchedule(2e-2f, warmupSteps: 0, totalSteps: 10);
        var before = layer.Adapter.VecB.Value.ToArray();

        optimizer.ZeroGrad();
        using (var tape = new Tape(backend))
        {
            var y = layer.Forward(tape, Variable.Constant(backend.FromArray(Rand.Uniform(2, 3 * 28), new Shape(3, 28))));
            using var dy = backend.FromArray(Rand.Uniform(3, 3 * 21), new Shape(3, 21));
            tape.Backward(y, dy);
        }
        GradientClipping.ClipGlobalNorm(optimizer.Parameters, 0.3f);
        optimizer.Step(schedule);

        ProLoraAdapterFolder.Save(dir.File("my-adapter"), adapters);
        PeftLoraExport.Save(dir.File("my-adapter-peft"), adapters, SafetensorsDType.BF16);
        Assert.That(layer.Adapter.VecB.Value.ToArray(), Is.Not.EqualTo(before));
        Assert.That(File.Exists(Path.Combine(dir.File("my-adapter"), AdapterKeys.WeightsFile)), Is.True);
        Assert.That(File.Exists(Path.Combine(dir.File("my-adapter-peft"), AdapterKeys.WeightsFile)), Is.True);
    }
}
