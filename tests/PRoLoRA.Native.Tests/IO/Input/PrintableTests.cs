using PRoLoRA.Native.IO.Input;

namespace PRoLoRA.Native.Tests.IO.Input;

public class PrintableTests
{
    [Test]
    public void ControlCharacters_AreEscaped() => Assert.That(Printable.Text("a\u001b[31mb\nc\u2028"), Is.EqualTo("a\\u001b[31mb\\u000ac\\u2028"));

    [Test]
    public void LongText_IsCutWithAnEllipsis() => Assert.That(Printable.Text(new string('x', 100), 10), Is.EqualTo(new string('x', 9) + "…"));

    [Test]
    public void NoLimit_KeepsEverything()
    {
        var text = new string('y', 5000) + "😀";
        Assert.That(Printable.Text(text, int.MaxValue), Is.EqualTo(text));
    }
}
