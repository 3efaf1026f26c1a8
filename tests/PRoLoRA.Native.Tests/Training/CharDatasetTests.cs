using PRoLoRA.Cli.Training;

namespace PRoLoRA.Native.Tests.Training;

public class CharDatasetTests
{
    private static readonly int[] Ids = [.. Enumerable.Range(0, 20)];

    [Test]
    public void Sample_EveryRowIsAWindowAndItsNextId()
    {
        var data = new CharDataset(Ids, 3);
        var batch = data.Sample(new Random(5), 50);
        Assert.That(batch.Size, Is.EqualTo(50));
        for (int i = 0; i < batch.Size; i++)
        {
            int start = batch.Contexts[i * 3];
            Assert.That(batch.Contexts[(i * 3)..((i + 1) * 3)], Is.EqualTo(new[] { start, start + 1, start + 2 }));
            Assert.That(batch.Targets[i], Is.EqualTo(start + 3));
        }
    }

    [Test]
    public void Count_IsTheNumberOfWindowsWithANextId()
        => Assert.That(new CharDataset(Ids, 3).Count, Is.EqualTo(17));

    [Test]
    public void Evenly_IsRepeatableAndSpreadOverTheText()
    {
        var data = new CharDataset(Ids, 3);
        var first = data.Evenly(4, 2).SelectMany(b => b.Targets).ToArray();
        var second = data.Evenly(4, 2).SelectMany(b => b.Targets).ToArray();
        Assert.That(first, Is.EqualTo(second));
        Assert.That(first, Has.Length.EqualTo(8));
        Assert.That(first[0], Is.EqualTo(3));
        Assert.That(first[^1], Is.GreaterThan(15));
    }

    [Test]
    public void Evenly_NeverReturnsMoreWindowsThanThereAre()
        => Assert.That(new CharDataset(Ids, 3).Evenly(10, 5).Sum(b => b.Size), Is.EqualTo(17));

    [Test]
    public void Split_HoldsOutTheTail()
    {
        var (train, validation) = CharDataset.Split(Ids, 2, 0.25);
        Assert.That(train.Count + validation.Count, Is.EqualTo(20 - 4));
        Assert.That(validation.Evenly(100, 1).Single().Targets, Is.EqualTo(new[] { 17, 18, 19 }));
    }

    [Test]
    public void TextShorterThanAWindow_IsRejected()
        => Assert.That(() => new CharDataset([1, 2, 3], 3), Throws.ArgumentException.With.Message.Contains("no window of 3"));
}
