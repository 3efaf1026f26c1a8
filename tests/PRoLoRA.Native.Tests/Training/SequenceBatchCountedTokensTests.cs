using PRoLoRA.Native.Training;

namespace PRoLoRA.Native.Tests.Training;

/// <summary>What one example adds to a batch's counted tokens, known without building the batch (how each rank counts the whole step's tokens).</summary>
public class SequenceBatchCountedTokensTests
{
    [Test]
    public void CountedTokensOf_EachExample_AddUpToTheBatchsCountedTokens()
    {
        var rng = new Random(4);
        for (int trial = 0; trial < 50; trial++)
        {
            int length = rng.Next(2, 12);
            var examples = Enumerable.Range(0, rng.Next(1, 6))
                .Select(_ => new TokenizedExample([.. Enumerable.Range(0, rng.Next(1, 15)).Select(_ => rng.Next(9))], rng.Next(0, 10)))
                .ToList();

            var batch = SequenceBatch.Of(examples, length, padId: 0);

            Assert.That(examples.Sum(e => SequenceBatch.CountedTokensOf(e, length)), Is.EqualTo(batch.CountedTokens), $"trial {trial}");
        }
    }
}
