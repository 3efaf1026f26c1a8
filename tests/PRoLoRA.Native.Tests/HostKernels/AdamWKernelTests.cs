using PRoLoRA.Native.Backends;

namespace PRoLoRA.Native.Tests.HostKernels;

/// <summary>cuda/adamw.cu through the host shim against the CPU backend.</summary>
public sealed class AdamWKernelTests : HostKernelFixture
{
    /// <summary>Parameters and both moments match after one step, with and without weight decay.</summary>
    [Test]
    public void AdamW_MatchesCpu([Values(1, 7)] int t, [Values(0f, 0.01f)] float weightDecay)
    {
        var rng = new Random(51);
        const int n = 1000;
        var step = new AdamWStep(1e-3f, 0.9f, 0.999f, 1e-8f, weightDecay, t);
        var param = RandomFloats(rng, n);
        var grad = RandomFloats(rng, n, 0.1f);
        var m = RandomFloats(rng, n, 0.01f);
        var v = RandomFloats(rng, n, 1e-3f).Select(MathF.Abs).ToArray();
        var dParam = Upload<float>(param);
        var dM = Upload<float>(m);
        var dV = Upload<float>(v);
        Reference.AdamW(Cpu(param, n), Cpu(grad, n), Cpu(m, n), Cpu(v, n), step);
        Run("adamw", n, new KernelArgs
        {
            dParam, Upload<float>(grad), dM, dV, n, step.LearningRate,
            step.Beta1, step.Beta2, step.Epsilon, step.WeightDecay, step.BiasCorrection1, step.BiasCorrection2,
        });
        Assert.Multiple(() =>
        {
            FloatAssert.Close(dParam.Download(), param, "param");
            FloatAssert.Close(dM.Download(), m, "m");
            FloatAssert.Close(dV.Download(), v, "v");
        });
    }
}
