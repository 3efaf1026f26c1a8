using PRoLoRA.Native.Optim;
using static PRoLoRA.Native.Tests.Optim.OptimTestData;

namespace PRoLoRA.Native.Tests.Optim;

public class GradientClippingTests
{
    [Test]
    public void AboveTheLimit_TheGlobalNormBecomesTheLimit_AndDirectionsAreKept()
    {
        // Global norm over both tensors: √(3² + 4² + 12²) = 13.
        var a = Param([0f, 0f], [3f, 4f]);
        var b = Param([0f], [12f]);
        var withoutGrad = Param([0f]);
        double before = GradientClipping.ClipGlobalNorm([a, b, withoutGrad], 0.3f);
        Assert.That(before, Is.EqualTo(13.0).Within(1e-9));
        Assert.That(GradientClipping.GlobalNorm([a, b]), Is.EqualTo(0.3).Within(1e-6));
        Assert.That(a.Grad!.ToArray(), Is.EqualTo(new[] { 3f * 0.3f / 13f, 4f * 0.3f / 13f }).Within(1e-6f));
        Assert.That(b.Grad!.ToArray()[0], Is.EqualTo(12f * 0.3f / 13f).Within(1e-6f));
        Assert.That(withoutGrad.Grad, Is.Null);
    }

    [Test]
    public void BelowTheLimit_NothingChanges()
    {
        var a = Param([0f, 0f], [0.1f, 0.2f]);
        double norm = GradientClipping.ClipGlobalNorm([a], 0.3f);
        Assert.That(norm, Is.EqualTo(Math.Sqrt(0.05)).Within(1e-7));
        Assert.That(a.Grad!.ToArray(), Is.EqualTo(new[] { 0.1f, 0.2f }));
    }

    [Test]
    public void ANonFiniteNorm_IsReturned_AndTheGradientsAreLeftForTheCallerToSkip()
    {
        var a = Param([0f, 0f], [float.PositiveInfinity, 1f]);
        Assert.That(double.IsFinite(GradientClipping.ClipGlobalNorm([a], 1f)), Is.False);
        Assert.That(a.Grad!.ToArray()[1], Is.EqualTo(1f));
    }

    [TestCase(0f)]
    [TestCase(-0.3f)]
    [TestCase(float.NaN)]
    public void ANonPositiveLimit_IsRejected(float maxNorm)
        => Assert.That(Assert.Throws<ArgumentException>(() => GradientClipping.ClipGlobalNorm([Param([1f], [1f])], maxNorm))!.ParamName, Is.EqualTo("maxNorm"));
}
