namespace PRoLoRA.Native.Tests.HostKernels;

/// <summary>cuda/softmax_cross_entropy.cu through the host shim against the CPU backend.</summary>
public sealed class SoftmaxCrossEntropyKernelTests : HostKernelFixture
{
    /// <summary>
    /// The mean of the per-row losses is the CPU's loss and dlogits = (softmax − onehot) / n; large
    /// logits check that the maximum is subtracted before exp.
    /// </summary>
    [Test]
    public void SoftmaxCrossEntropy_MatchesCpu([Values(1f, 60f)] float scale, [Values(1, 9)] int n)
    {
        var rng = new Random(41);
        const int v = 37;
        var logits = RandomFloats(rng, n * v, scale);
        var targets = Enumerable.Range(0, n).Select(_ => rng.Next(v)).ToArray();
        var dLogits = new float[n * v];
        var dDLogits = Upload<float>(NaNs(n * v));
        var dLosses = Upload<float>(NaNs(n));
        float loss = Reference.SoftmaxCrossEntropy(Cpu(logits, n, v), targets, Cpu(dLogits, n, v));
        Run("softmax_cross_entropy", n, new KernelArgs { Upload<float>(logits), Upload<int>(targets), dDLogits, dLosses, n, v });
        float meanLoss = (float)(dLosses.Download().Sum(l => (double)l) / n);
        Assert.Multiple(() =>
        {
            FloatAssert.Close([meanLoss], [loss], "loss");
            FloatAssert.Close(dDLogits.Download(), dLogits, "dlogits");
        });
    }
}
