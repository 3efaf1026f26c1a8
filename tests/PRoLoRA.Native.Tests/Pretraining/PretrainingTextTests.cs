using System.Text.RegularExpressions;
using PRoLoRA.Cli.Pretraining;

namespace PRoLoRA.Native.Tests.Pretraining;

/// <summary>The generated pretraining text: deterministic, inside the vocabulary, teaching numbers and dates but not the fine-tuning tasks' formats.</summary>
public class PretrainingTextTests
{
    private static string Text(int seed, int paragraphs) => string.Join('\n', PretrainingText.Paragraphs(seed).Take(paragraphs));

    [Test]
    public void DeterministicInTheSeed()
    {
        string first = Text(3, 50);
        Assert.That(Text(3, 50), Is.EqualTo(first));
        Assert.That(Text(4, 50), Is.Not.EqualTo(first));
    }

    [Test]
    public void StaysInTheVocabulary_AndCoversDigitsMonthsAndLetters()
    {
        string text = Text(0, 2000);
        Assert.Multiple(() =>
        {
            Assert.That(CharTokenizer.Encode(text), Has.None.EqualTo(CharTokenizer.UnkId));
            Assert.That(text.Where(c => c != '\n'), Has.All.Matches<char>(c => c >= ' ' && c <= '~'));
            Assert.That("0123456789abcdefghijklmnopqrstuvwxyz".Where(c => !text.Contains(c)), Is.Empty);
            Assert.That(NumberWords.Months.Where(m => !text.Contains(m, StringComparison.Ordinal)), Is.Empty);
            Assert.That(text, Does.Contain("hundred and"));
        });
    }

    [Test]
    public void NeverWritesTheFineTuningPromptFormats()
    {
        string text = Text(0, 5000) + Text(1, 2000);
        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Not.Contain("+").And.Not.Contain("="));
            Assert.That(Regex.IsMatch(text, @"\d{4}-\d\d-\d\d"), Is.False, "no ISO dates");
            Assert.That(text, Does.Not.Contain("date "));
        });
    }

    [TestCase(0, "zero")]
    [TestCase(13, "thirteen")]
    [TestCase(40, "forty")]
    [TestCase(342, "three hundred and forty-two")]
    [TestCase(700, "seven hundred")]
    [TestCase(2021, "two thousand and twenty-one")]
    [TestCase(1999, "one thousand nine hundred and ninety-nine")]
    public void Cardinal(int n, string words) => Assert.That(NumberWords.Cardinal(n), Is.EqualTo(words));

    [TestCase(1, "first", "1st")]
    [TestCase(12, "twelfth", "12th")]
    [TestCase(22, "twenty-second", "22nd")]
    [TestCase(30, "thirtieth", "30th")]
    [TestCase(31, "thirty-first", "31st")]
    public void Ordinal(int n, string words, string numbered)
    {
        Assert.That(NumberWords.Ordinal(n), Is.EqualTo(words));
        Assert.That(NumberWords.Numbered(n), Is.EqualTo(numbered));
    }
}
