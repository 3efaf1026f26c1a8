using PRoLoRA.Native.Optim;

namespace PRoLoRA.Native.Tests.Optim;

public class ScheduleTests
{
    [TestCase(0, 0f)]
    [TestCase(5, 0.5f)]
    [TestCase(9, 0.9f)]
    [TestCase(10, 1f)]
    [TestCase(55, 0.5f)]
    [TestCase(99, 1f / 90f)]
    [TestCase(100, 0f)]
    [TestCase(150, 0f)]
    public void LinearWarmup_RisesThenDecaysToZeroAtTheTotal(int step, float expected)
        => Assert.That(new LinearWarmupSchedule(1f, 10, 100).LearningRate(step), Is.EqualTo(expected).Within(1e-6f));

    [TestCase(0, 0f)]
    [TestCase(5, 0.5f)]
    [TestCase(10, 1f)]
    [TestCase(55, 0.5f)]
    [TestCase(100, 0f)]
    [TestCase(150, 0f)]
    public void CosineWarmup_RisesThenFollowsAHalfCosine(int step, float expected)
        => Assert.That(new CosineWarmupSchedule(1f, 10, 100).LearningRate(step), Is.EqualTo(expected).Within(1e-6f));

    [Test]
    public void CosineWarmup_AQuarterIntoTheDecay_IsHalfOfOnePlusCosPiOverFour()
        => Assert.That(new CosineWarmupSchedule(2f, 0, 100).LearningRate(25), Is.EqualTo((float)(1 + Math.Cos(Math.PI / 4))).Within(1e-6f));

    [Test]
    public void NoWarmup_StartsAtThePeak()
    {
        Assert.That(new LinearWarmupSchedule(3e-4f, 0, 10).LearningRate(0), Is.EqualTo(3e-4f));
        Assert.That(new CosineWarmupSchedule(3e-4f, 0, 10).LearningRate(0), Is.EqualTo(3e-4f));
    }

    [Test]
    public void Constant_IsTheSameAtEveryStep()
    {
        var s = new ConstantSchedule(2e-4f);
        Assert.That(new[] { s.LearningRate(0), s.LearningRate(1), s.LearningRate(1_000_000) }, Is.All.EqualTo(2e-4f));
    }

    [Test]
    public void BadArguments_AreRejectedNamingTheArgument()
    {
        Assert.That(Assert.Throws<ArgumentException>(() => new LinearWarmupSchedule(1f, 11, 10))!.ParamName, Is.EqualTo("warmupSteps"));
        Assert.That(Assert.Throws<ArgumentException>(() => new CosineWarmupSchedule(1f, -1, 10))!.ParamName, Is.EqualTo("warmupSteps"));
        Assert.That(Assert.Throws<ArgumentException>(() => new CosineWarmupSchedule(1f, 0, 0))!.ParamName, Is.EqualTo("totalSteps"));
        Assert.That(Assert.Throws<ArgumentException>(() => new LinearWarmupSchedule(-1f, 0, 10))!.ParamName, Is.EqualTo("peakLearningRate"));
        Assert.That(Assert.Throws<ArgumentException>(() => new ConstantSchedule(float.PositiveInfinity))!.ParamName, Is.EqualTo("learningRate"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConstantSchedule(1f).LearningRate(-1));
    }
}
