using PRoLoRA.Cli.Pretraining;
using PRoLoRA.Native.Text;

namespace PRoLoRA.Native.Tests.Pretraining;

/// <summary>The base model's character tokenizer, written as Hugging Face files and read back by Tokenizers.Load.</summary>
public class CharTokenizerTests
{
    private string _folder = "";

    [SetUp]
    public void WriteFiles()
    {
        _folder = Directory.CreateTempSubdirectory("char-tokenizer-").FullName;
        foreach (var file in CharTokenizer.Files())
        {
            File.WriteAllBytes(Path.Combine(_folder, file.Name), file.Content);
        }
    }

    [TearDown]
    public void Delete() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void EveryCharacter_RoundTrips_OneTokenEach_AfterBos()
    {
        var tokenizer = Tokenizers.Load(_folder);
        string all = CharTokenizer.Characters;
        var ids = tokenizer.Encode(all);
        Assert.Multiple(() =>
        {
            Assert.That(all, Has.Length.EqualTo(96));
            Assert.That(tokenizer.VocabularySize, Is.EqualTo(100));
            Assert.That(CharTokenizer.VocabularySize, Is.EqualTo(100));
            Assert.That(ids, Is.EqualTo(new[] { CharTokenizer.BosId }.Concat(Enumerable.Range(4, 96))));
            Assert.That(ids[1..], Is.EqualTo(CharTokenizer.Encode(all)));
            Assert.That(tokenizer.Decode(ids), Is.EqualTo(all));
            Assert.That(tokenizer.Encode("a b\n", addSpecialTokens: false), Is.EqualTo(CharTokenizer.Encode("a b\n")));
        });
    }

    [Test]
    public void SpecialTokens_HaveTheirIds()
    {
        var tokenizer = Tokenizers.Load(_folder);
        int a = CharTokenizer.Encode("a")[0];
        Assert.Multiple(() =>
        {
            Assert.That(a, Is.EqualTo(4 + 1 + ('a' - ' ')), "after the specials and newline");
            Assert.That(tokenizer.BosId, Is.EqualTo(CharTokenizer.BosId));
            Assert.That(tokenizer.EosId, Is.EqualTo(CharTokenizer.EosId));
            Assert.That(tokenizer.EosIds, Is.EqualTo(new[] { CharTokenizer.EosId }));
            Assert.That(tokenizer.AddsBos, Is.True);
            Assert.That(tokenizer.AddsEos, Is.False);
            Assert.That(tokenizer.Encode("<unk><s></s><pad>", addSpecialTokens: false), Is.EqualTo(new[] { 0, 1, 2, 3 }));
            Assert.That(tokenizer.Decode([1, a, 2, 3]), Is.EqualTo("a"), "special tokens skipped");
            Assert.That(tokenizer.Decode([1, a, 2], skipSpecial: false), Is.EqualTo("<s>a</s>"));
        });
    }

    [Test]
    public void CharacterOutsideTheVocabulary_BecomesUnk()
    {
        var tokenizer = Tokenizers.Load(_folder);
        int a = CharTokenizer.Encode("a")[0], b = CharTokenizer.Encode("b")[0];
        var expected = new[] { a, CharTokenizer.UnkId, b, CharTokenizer.UnkId, CharTokenizer.UnkId };
        Assert.Multiple(() =>
        {
            Assert.That(tokenizer.Encode("a\tbé€", addSpecialTokens: false), Is.EqualTo(expected));
            Assert.That(CharTokenizer.Encode("a\tbé€"), Is.EqualTo(expected));
            Assert.That(tokenizer.Decode(expected), Is.EqualTo("ab"));
        });
    }
}
