using PRoLoRA.Cli.Training;

namespace PRoLoRA.Native.Tests.Training;

public class CharVocabularyTests
{
    [Test]
    public void Default_HasFortyNineCharacters_AMultipleOfTheSharingRate()
        => Assert.That(CharVocabulary.Default.Size, Is.EqualTo(49));

    [Test]
    public void EncodeThenDecode_GivesTheText()
    {
        const string text = "day 12: wind from the north-east.\n\"where?\" (asked) it's 3;";
        var ids = CharVocabulary.Default.Encode(text);
        Assert.That(CharVocabulary.Default.Decode(ids), Is.EqualTo(text));
    }

    [Test]
    public void Ids_AreAlphabetPositions()
        => Assert.That(new CharVocabulary("abc").Encode("cab"), Is.EqualTo(new[] { 2, 0, 1 }));

    [Test]
    public void UnknownCharacter_IsNamedWithItsLine()
    {
        var e = Assert.Throws<ArgumentException>(() => CharVocabulary.Default.Encode("ok\nfine\nThe end"));
        Assert.That(e!.Message, Does.Contain("'T' at line 3"));
    }

    [Test]
    public void RepeatedCharacterInAlphabet_IsRejected()
        => Assert.That(() => new CharVocabulary("abca"), Throws.ArgumentException.With.Message.Contains("'a' twice"));

    [Test]
    public void DecodeOutOfRange_Throws()
        => Assert.That(() => new CharVocabulary("ab").Decode([0, 2]), Throws.InstanceOf<ArgumentOutOfRangeException>());
}
