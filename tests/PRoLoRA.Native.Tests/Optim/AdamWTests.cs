using PRoLoRA.Native.Optim;
using static PRoLoRA.Native.Tests.Optim.OptimTestData;

namespace PRoLoRA.Native.Tests.Optim;

public class AdamWTests
{
    [Test]
    public void FirstStep_MovesEachWeightByTheLearningRateAgainstTheGradientSign()
    {
        // Step 1 with bias correction: m̂ = g, v̂ = g², so the update is g / (|g| + eps) ≈ sign(g).
        var p = Param([1f, -2f, 0.5f], [0.1f, -0.2f, 0.3f]);
        using var opt = new AdamW([p], new AdamWOptions { LearningRate = 0.01f, WeightDecay = 0f });
        opt.Step();
        Assert.That(p.Value.ToArray(), Is.EqualTo(new[] { 0.99f, -1.99f, 0.49f }).Within(1e-6f));
        Assert.That(opt.StepCount, Is.EqualTo(1));
    }

    [Test]
    public void SeveralSteps_WithWeightDecay_MatchAHandWrittenReference()
    {
        float[] start = [0.5f, -1.5f, 2f, 0f];
        float[][] grads = [[0.2f, -0.1f, 0.05f, 1f], [-0.3f, 0.4f, 0.05f, 0f], [0.1f, 0.1f, -2f, 0.5f]];
        const double lr = 0.05, b1 = 0.8, b2 = 0.95, eps = 1e-6, wd = 0.1;
        var p = Param(start, grads[0]);
        using var opt = new AdamW([p], new AdamWOptions { LearningRate = (float)lr, Beta1 = (float)b1, Beta2 = (float)b2, Epsilon = (float)eps, WeightDecay = (float)wd });

        var expected = start.Select(x => (double)x).ToArray();
        var m = new double[start.Length];
        var v = new double[start.Length];
        for (int t = 1; t <= grads.Length; t++)
        {
            SetGrad(p, grads[t - 1]);
            opt.Step();
            for (int i = 0; i < start.Length; i++)
            {
                double g = grads[t - 1][i];
                m[i] = (b1 * m[i]) + ((1 - b1) * g);
                v[i] = (b2 * v[i]) + ((1 - b2) * g * g);
                double mHat = m[i] / (1 - Math.Pow(b1, t));
                double vHat = v[i] / (1 - Math.Pow(b2, t));
                expected[i] -= lr * ((mHat / (Math.Sqrt(vHat) + eps)) + (wd * expected[i]));
            }
        }
        Assert.That(p.Value.ToArray().Select(x => (double)x), Is.EqualTo(expected).Within(1e-5));
    }

    [Test]
    public void WeightDecay_IsDecoupled_AZeroGradientStillShrinksTheWeight()
    {
        var p = Param([2f], [0f]);
        using var opt = new AdamW([p], new AdamWOptions { LearningRate = 0.1f, WeightDecay = 0.5f });
        opt.Step();
        Assert.That(p.Value.ToArray()[0], Is.EqualTo(2f - (0.1f * 0.5f * 2f)).Within(1e-6f));
    }

    [Test]
    public void Groups_ScaleTheLearningRateAndOverrideWeightDecay()
    {
        var shared = Param([1f], [1f], "chunk");
        var unshared = Param([1f], [1f], "vec");
        var frozenByScale = Param([1f], [1f], "frozen");
        ParamGroup[] groups =
        [
            new([shared], learningRateScale: 2f),
            new([unshared], learningRateScale: 1f, weightDecay: 0.5f),
            new([frozenByScale], learningRateScale: 0f),
        ];
        using var opt = new AdamW(groups, new AdamWOptions { LearningRate = 0.01f, WeightDecay = 0f });
        opt.Step();
        Assert.That(shared.Value.ToArray()[0], Is.EqualTo(1f - 0.02f).Within(1e-6f));
        Assert.That(unshared.Value.ToArray()[0], Is.EqualTo(1f - (0.01f * (1f + 0.5f))).Within(1e-6f));
        Assert.That(frozenByScale.Value.ToArray()[0], Is.EqualTo(1f));
    }

    [Test]
    public void SharedAndUnshared_SplitsAnAdaptersChunksFromItsVectors()
    {
        var config = PRoLoRA.Native.Adapters.ProLoraConfig.ProLora(8, 6, 4, 1, 2, 2);
        using var adapter = PRoLoRA.Native.Adapters.ProLoraAdapter.Create(config, PRoLoRA.Native.Backends.Cpu.CpuBackend.Instance);
        var groups = ParamGroup.SharedAndUnshared([adapter], 1f, 3f);
        Assert.That(groups[0].Parameters, Is.EqualTo(new[] { adapter.ChunkA, adapter.ChunkB }));
        Assert.That(groups[1].Parameters, Is.EqualTo(new[] { adapter.VecA, adapter.VecB }));
        Assert.That(groups[1].LearningRateScale, Is.EqualTo(3f));
    }

    [Test]
    public void AParameterWithoutGradient_IsSkipped_AndKeepsItsOwnStepCount()
    {
        var early = Param([0f], [1f]);
        var late = Param([0f]);
        using var opt = new AdamW([early, late], new AdamWOptions { LearningRate = 0.1f, WeightDecay = 0f });
        opt.Step();
        Assert.That(late.Value.ToArray()[0], Is.Zero);
        SetGrad(late, [-4f]);
        opt.Step();
        // Its first update is bias-corrected as step 1: exactly lr · sign(g).
        Assert.That(late.Value.ToArray()[0], Is.EqualTo(0.1f).Within(1e-6f));
    }

    [Test]
    public void StepWithSchedule_UsesTheRateOfTheCurrentStep()
    {
        var p = Param([1f], [1f]);
        using var opt = new AdamW([p], new AdamWOptions { WeightDecay = 0f });
        var schedule = new LinearWarmupSchedule(0.1f, warmupSteps: 2, totalSteps: 10);
        Assert.That(opt.Step(schedule), Is.Zero);
        Assert.That(p.Value.ToArray()[0], Is.EqualTo(1f));
        Assert.That(opt.Step(schedule), Is.EqualTo(0.05f).Within(1e-7f));
        Assert.That(p.Value.ToArray()[0], Is.EqualTo(0.95f).Within(1e-6f));
    }

    [Test]
    public void ZeroGrad_ClearsEveryGradient()
    {
        var p = Param([1f, 2f], [3f, 4f]);
        using var opt = new AdamW([p]);
        opt.ZeroGrad();
        Assert.That(p.Grad!.ToArray(), Is.EqualTo(new[] { 0f, 0f }));
    }

    [TestCase(-1e-3f, 0.9f, 0.999f, 1e-8f, 0f, "LearningRate")]
    [TestCase(float.NaN, 0.9f, 0.999f, 1e-8f, 0f, "LearningRate")]
    [TestCase(1e-3f, 1f, 0.999f, 1e-8f, 0f, "Beta1")]
    [TestCase(1e-3f, -0.1f, 0.999f, 1e-8f, 0f, "Beta1")]
    [TestCase(1e-3f, 0.9f, 1f, 1e-8f, 0f, "Beta2")]
    [TestCase(1e-3f, 0.9f, 0.999f, 0f, 0f, "Epsilon")]
    [TestCase(1e-3f, 0.9f, 0.999f, 1e-8f, -0.1f, "WeightDecay")]
    public void BadHyperParameters_AreRejectedNamingTheArgument(float lr, float b1, float b2, float eps, float wd, string name)
    {
        var options = new AdamWOptions { LearningRate = lr, Beta1 = b1, Beta2 = b2, Epsilon = eps, WeightDecay = wd };
        var e = Assert.Throws<ArgumentException>(() => new AdamW([Param([1f])], options));
        Assert.That(e!.ParamName, Is.EqualTo(name));
    }

    [Test]
    public void BadStepRateOrGroup_IsRejected()
    {
        var p = Param([1f], [1f]);
        using var opt = new AdamW([p]);
        Assert.That(Assert.Throws<ArgumentException>(() => opt.Step(-1f))!.ParamName, Is.EqualTo("learningRate"));
        Assert.That(Assert.Throws<ArgumentException>(() => new ParamGroup([p], learningRateScale: -1f))!.ParamName, Is.EqualTo("learningRateScale"));
        Assert.That(Assert.Throws<ArgumentException>(() => new AdamW([new ParamGroup([p]), new ParamGroup([p])]))!.Message, Does.Contain("twice"));
    }
}
