using PRoLoRA.Native.IO.Input;

namespace PRoLoRA.Native.Tests.IO.Input;

public class FiniteCheckTests
{
    [Test]
    public void IndexOfNonFinite_FindsTheFirst_InTheVectorBodyAndTheTail(
        [Values(0, 5, 15, 16, 17, 63, 64, 66)] int at,
        [Values(float.NaN, float.PositiveInfinity, float.NegativeInfinity)] float bad)
    {
        var values = Enumerable.Range(0, 67).Select(i => i % 2 == 0 ? float.MaxValue : -float.Epsilon).ToArray();
        Assert.That(FiniteCheck.IndexOfNonFinite(values), Is.EqualTo(-1));
        values[at] = bad;
        values[66] = float.NaN;
        Assert.That(FiniteCheck.IndexOfNonFinite(values), Is.EqualTo(at));
    }

    [Test]
    public void Require_CountsAndNamesThem()
    {
        float[] values = [1f, float.NaN, 2f, float.NegativeInfinity];
        Assert.That(() => FiniteCheck.Require(values, "f: tensor 'w'"),
            Throws.TypeOf<InvalidDataException>().With.Message.StartsWith("f: tensor 'w' holds 2 non-finite values (the first, NaN, at element 1)"));
        Assert.That(() => FiniteCheck.Require([1f, 2f], "f"), Throws.Nothing);
    }
}
