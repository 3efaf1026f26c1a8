using PRoLoRA.Cli.Pretraining;
using PRoLoRA.Native.Tests.Support;
using PRoLoRA.Native.Text;
using PRoLoRA.Native.Training;

namespace PRoLoRA.Native.Tests.Training;

/// <summary>JSON Lines training records: the ids and prompt length of each kind, and every bad record named by file, line and field.</summary>
public class TextExamplesTests
{
    private static readonly ITokenizer Chars = Tokenizers.Load(BaseModelShape.ShippedFolder);

    private static IReadOnlyList<TokenizedExample> Load(TempFolder folder, params string[] lines)
    {
        var path = folder.File("data.jsonl");
        File.WriteAllLines(path, lines);
        return TextExamples.Load(path, Chars);
    }

    [Test]
    public void PromptAndCompletion_CountTheCompletionAndEosOnly()
    {
        using var folder = new TempFolder();
        var examples = Load(folder, """{"prompt":"1+2=","completion":"3"}""", "", """{"text":"ab"}""");

        Assert.That(examples, Has.Count.EqualTo(2));
        int bos = Chars.BosId!.Value, eos = Chars.EosId!.Value;
        Assert.That(examples[0].Ids, Is.EqualTo((int[])[bos, .. Chars.Encode("1+2=", addSpecialTokens: false), .. Chars.Encode("3", addSpecialTokens: false), eos]));
        Assert.That(examples[0].PromptLength, Is.EqualTo(5));
        Assert.That(examples[1].Ids, Is.EqualTo((int[])[bos, .. Chars.Encode("ab", addSpecialTokens: false), eos]));
        Assert.That(examples[1].PromptLength, Is.Zero);
        Assert.That(TextExamples.Of("1+2=", "3", Chars), Is.EqualTo(examples[0]).Using<TokenizedExample>((a, b) => a.Ids.SequenceEqual(b.Ids) && a.PromptLength == b.PromptLength));
    }

    [TestCase("""{"prompt":"1+2=","completion":""}""", "data.jsonl:2: completion: is empty")]
    [TestCase("""{"prompt":"1+2="}""", "data.jsonl:2: field 'completion' is missing")]
    [TestCase("""{"completion":"3"}""", "data.jsonl:2: field 'prompt' is missing")]
    [TestCase("""{"text":"a","prompt":"b","completion":"c"}""", "data.jsonl:2: has \"text\" and \"prompt\"/\"completion\"")]
    [TestCase("""{"prompt":1,"completion":"3"}""", "data.jsonl:2: prompt: must be a string")]
    [TestCase("""[1,2]""", "data.jsonl:2: must be a JSON object")]
    [TestCase("""{"text":"a""", "data.jsonl:2: not valid JSON")]
    public void ABadRecord_IsNamedByFileLineAndField(string line, string message)
    {
        using var folder = new TempFolder();
        var e = Assert.Throws<InvalidDataException>(() => Load(folder, """{"text":"fine"}""", line))!;
        Assert.That(e.Message, Does.Contain(message));
    }

    [Test]
    public void AFileWithoutRecords_IsRefused()
    {
        using var folder = new TempFolder();
        Assert.That(() => Load(folder, "", "  "), Throws.InstanceOf<InvalidDataException>().With.Message.Contain("holds no example"));
    }
}
