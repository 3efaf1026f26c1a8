using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Optim;

namespace PRoLoRA.Native.Tests.Models;

/// <summary>LlamaModel.CreateRandom: Hugging Face's initialisation, deterministic in the seed, every base weight trainable.</summary>
public class LlamaCreateRandomTests
{
    [Test]
    public void Initialisation_IsHuggingFacesAndDeterministicInTheSeed()
    {
        using var a = LlamaModel.CreateRandom(TinyLlama.Tied, CpuBackend.Instance, 7);
        using var b = LlamaModel.CreateRandom(TinyLlama.Tied, CpuBackend.Instance, 7);
        using var c = LlamaModel.CreateRandom(TinyLlama.Tied, CpuBackend.Instance, 8);
        var wa = TinyLlama.Weights(a);
        Assert.Multiple(() =>
        {
            Assert.That(TinyLlama.Weights(b), Is.EqualTo(wa), "same seed, same weights");
            Assert.That(TinyLlama.Weights(c)["model.embed_tokens.weight"], Is.Not.EqualTo(wa["model.embed_tokens.weight"]), "another seed");
            Assert.That(wa["model.norm.weight"], Is.All.EqualTo(1f));
            Assert.That(wa["model.layers.1.post_attention_layernorm.weight"], Is.All.EqualTo(1f));
        });
        var linear = wa.Where(kv => !kv.Key.EndsWith("norm.weight", StringComparison.Ordinal)).SelectMany(kv => kv.Value).Select(v => (double)v).ToArray();
        double mean = linear.Average(), std = Math.Sqrt(linear.Select(v => (v - mean) * (v - mean)).Average());
        Assert.That(mean, Is.EqualTo(0).Within(0.002));
        Assert.That(std, Is.EqualTo(LlamaModel.InitializerRange).Within(0.001));
    }

    [Test]
    public void BaseParameters_AreEveryWeightOnceForANewModelAndNoneForALoadedOne()
    {
        using var model = LlamaModel.CreateRandom(TinyLlama.Untied, CpuBackend.Instance, 1);
        // embeddings, 2 norms + 7 weights + 4 attention biases per layer, final norm, head.
        Assert.That(model.BaseParameters.Select(p => p.Name).ToList(), Has.Count.EqualTo(1 + (2 * 13) + 2).And.Unique);
        Assert.That(model.TrainableParameters, Is.EqualTo(model.BaseParameters));
        Assert.That(model.BaseParameters.Where(p => p.Name.EndsWith(".bias", StringComparison.Ordinal)).SelectMany(p => p.Value.ToArray()), Is.All.EqualTo(0f));
        using var tied = LlamaModel.CreateRandom(TinyLlama.Tied, CpuBackend.Instance, 1);
        Assert.That(tied.BaseParameters.Select(p => p.Name), Does.Not.Contain("lm_head.weight").And.Contain("model.embed_tokens.weight"));
        using var loaded = LlamaModel.Load(LlamaGolden.Model("mha"), CpuBackend.Instance);
        Assert.That(loaded.BaseParameters, Is.Empty);
    }

    [Test]
    public void TrainingSteps_ReachEveryWeightAndLowerTheLoss()
    {
        using var model = LlamaModel.CreateRandom(TinyLlama.Tied, CpuBackend.Instance, 3);
        int[] targets = [.. TinyLlama.Ids.Skip(1), 0];
        using var optimizer = new AdamW(model.BaseParameters, new AdamWOptions { LearningRate = 1e-2f });
        var losses = new List<float>();
        for (int step = 0; step < 20; step++)
        {
            using var tape = new Tape(model.Backend);
            var loss = tape.SoftmaxCrossEntropy(model.Forward(tape, TinyLlama.Ids, 2, 7), targets);
            tape.Backward(loss);
            if (step == 0)
            {
                Assert.That(model.BaseParameters.Where(p => p.Grad is null || p.Grad.ToArray().All(g => g == 0f)).Select(p => p.Name), Is.Empty, "weights without a gradient");
            }
            optimizer.Step();
            optimizer.ZeroGrad();
            losses.Add(loss.Value.ToArray()[0]);
        }
        Assert.That(losses[^1], Is.LessThan(losses[0] * 0.5f), string.Join(", ", losses));
    }

    [Test]
    public void BadShapes_AreRefusedNamingTheField()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => LlamaModel.CreateRandom(TinyLlama.Tied with { KvHeads = 3 }, CpuBackend.Instance, 0), Throws.ArgumentException.With.Message.Contains("KvHeads is 3"));
            Assert.That(() => LlamaModel.CreateRandom(TinyLlama.Tied with { HeadDim = 5 }, CpuBackend.Instance, 0), Throws.ArgumentException.With.Message.Contains("HeadDim is 5"));
            Assert.That(() => LlamaModel.CreateRandom(TinyLlama.Tied with { Layers = 0 }, CpuBackend.Instance, 0), Throws.ArgumentException.With.Message.Contains("Layers is 0"));
            Assert.That(() => LlamaModel.CreateRandom(TinyLlama.Tied with { RmsNormEps = float.NaN }, CpuBackend.Instance, 0), Throws.ArgumentException.With.Message.Contains("RmsNormEps"));
            Assert.That(() => LlamaModel.CreateRandom(TinyLlama.Tied with { EosTokenId = 11 }, CpuBackend.Instance, 0), Throws.ArgumentException.With.Message.Contains("EosTokenId is 11"));
            Assert.That(() => LlamaModel.CreateRandom(null!, CpuBackend.Instance, 0), Throws.ArgumentNullException);
        });
    }
}
