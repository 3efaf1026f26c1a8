using PRoLoRA.Native.Serving;

namespace PRoLoRA.Native.Tests.Serving;

/// <summary>Each request samples with its own seeded RNG: reproducible, whatever else runs beside it.</summary>
public class EngineSamplingTests
{
    [Test]
    public void SeededSampling_IsReproducible_AndIndependentOfTheBatch()
    {
        using var model = ServingSetup.LoadBase();
        using var reference = ServingSetup.LoadBase();
        using var bank = ServingSetup.Bank(model);
        var tokenizer = ServingSetup.Tokenizer();
        var sampled = new GenerationRequest(tokenizer.Encode("the cat"), "mlp", MaxTokens: 20, Temperature: 0.9f, TopP: 0.9f, Seed: 42);
        using var engine = new GenerationEngine(bank, new EngineOptions(tokenizer.EosIds, tokenizer, MaxRunning: 8));

        var alone = ServingSetup.Await(engine.Submit(sampled).Completion).TokenIds;
        var others = Enumerable.Range(0, 5).Select(i => engine.Submit(sampled with { Adapter = i % 2 == 0 ? "attn" : null, Seed = i, MaxTokens = 5 + i })).ToArray();
        var crowded = engine.Submit(sampled);
        var again = ServingSetup.Await(crowded.Completion).TokenIds;
        foreach (var h in others)
        {
            ServingSetup.Await(h.Completion);
        }
        var expected = ServingSetup.Reference(reference, ServingSetup.Adapters[1], sampled, tokenizer.EosIds);
        var otherSeed = ServingSetup.Await(engine.Submit(sampled with { Seed = 7 }).Completion).TokenIds;
        Assert.Multiple(() =>
        {
            Assert.That(alone, Is.EqualTo(expected));
            Assert.That(again, Is.EqualTo(expected));
            Assert.That(otherSeed, Is.Not.EqualTo(expected), "another seed draws other tokens");
        });
    }

    [Test]
    public void Logprobs_GiveTheTokenAndTopAlternatives()
    {
        using var model = ServingSetup.LoadBase();
        using var bank = ServingSetup.Bank(model);
        var tokenizer = ServingSetup.Tokenizer();
        using var engine = new GenerationEngine(bank, new EngineOptions(tokenizer.EosIds, tokenizer));
        var handle = engine.Submit(new GenerationRequest(tokenizer.Encode("the cat"), "attn", MaxTokens: 5, TopLogprobs: 3));
        var result = ServingSetup.Await(handle.Completion);
        Assert.That(result.Logprobs, Has.Count.EqualTo(result.TokenIds.Length));
        for (int i = 0; i < result.TokenIds.Length; i++)
        {
            var lp = result.Logprobs![i];
            Assert.Multiple(() =>
            {
                Assert.That(lp.TokenId, Is.EqualTo(result.TokenIds[i]));
                Assert.That(lp.Top, Has.Count.EqualTo(3));
                Assert.That(lp.Top[0].TokenId, Is.EqualTo(lp.TokenId), "greedy picks the most likely");
                Assert.That(lp.Logprob, Is.EqualTo(lp.Top[0].Logprob).And.LessThanOrEqualTo(0f));
                Assert.That(lp.Top.Select(t => t.Logprob), Is.Ordered.Descending);
            });
        }
        var plain = ServingSetup.Await(engine.Submit(new GenerationRequest(tokenizer.Encode("the cat"), MaxTokens: 2)).Completion);
        Assert.That(plain.Logprobs, Is.Null);
    }
}
