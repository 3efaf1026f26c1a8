using PRoLoRA.Native.Optim;
using static PRoLoRA.Native.Tests.Optim.OptimTestData;

namespace PRoLoRA.Native.Tests.Optim;

public class AdamWStateTests
{
    private static readonly AdamWOptions Options = new() { LearningRate = 0.05f, WeightDecay = 0.01f };

    [Test]
    public void SavedAndLoadedState_ContinuesExactlyAsTheUninterruptedOptimizer()
    {
        float[][] grads = [[0.3f, -1f], [0.2f, 0.5f], [-0.7f, 0.1f], [0.4f, 0.4f]];
        var straight = Param([1f, -1f]);
        var resumed = Param([1f, -1f]);
        using var a = new AdamW([straight], Options);
        AdamWState state;
        using (var first = new AdamW([resumed], Options))
        {
            for (int i = 0; i < 2; i++)
            {
                SetGrad(straight, grads[i]);
                a.Step();
                SetGrad(resumed, grads[i]);
                first.Step();
            }
            state = first.SaveState();
        }
        using var second = new AdamW([resumed], Options);
        second.LoadState(state);
        Assert.That(second.StepCount, Is.EqualTo(2));
        for (int i = 2; i < grads.Length; i++)
        {
            SetGrad(straight, grads[i]);
            a.Step();
            SetGrad(resumed, grads[i]);
            second.Step();
        }
        Assert.That(resumed.Value.ToArray(), Is.EqualTo(straight.Value.ToArray()));
    }

    [Test]
    public void LoadState_RefusesAStateOfOtherParameters_NamingWhatDiffers()
    {
        using var opt = new AdamW([Param([1f, 2f]), Param([3f])], Options);
        var good = opt.SaveState();
        Assert.Multiple(() =>
        {
            Assert.That(() => opt.LoadState(good with { Parameters = [good.Parameters[0]] }), Throws.ArgumentException.With.Message.Contains("1 parameters, this optimizer 2"));
            Assert.That(() => opt.LoadState(good with { Parameters = [good.Parameters[1], good.Parameters[0]] }), Throws.ArgumentException.With.Message.Contains("has 2 values"));
            Assert.That(() => opt.LoadState(good with { Parameters = [good.Parameters[0] with { Step = 1 }, good.Parameters[1]] }), Throws.ArgumentException.With.Message.Contains("outside [0, 0]"));
            Assert.That(() => opt.LoadState(good with { Parameters = [good.Parameters[0] with { V = [0f, -1f] }, good.Parameters[1]] }), Throws.ArgumentException.With.Message.Contains("negative second moment"));
            Assert.That(() => opt.LoadState(good with { Parameters = [good.Parameters[0] with { M = [float.NaN, 0f] }, good.Parameters[1]] }), Throws.ArgumentException.With.Message.Contains("non-finite"));
        });
    }
}
