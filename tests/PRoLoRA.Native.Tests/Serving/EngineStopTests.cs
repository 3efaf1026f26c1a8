using PRoLoRA.Native.Serving;

namespace PRoLoRA.Native.Tests.Serving;

/// <summary>Generation ends at a stop string (cut from the text), at max tokens, or at an end-of-sequence id.</summary>
public class EngineStopTests
{
    [Test]
    public async Task StopString_EndsBeforeIt_AndTheStreamAddsUpToTheText()
    {
        using var model = ServingSetup.LoadBase();
        using var bank = ServingSetup.Bank(model);
        var tokenizer = ServingSetup.Tokenizer();
        using var engine = new GenerationEngine(bank, new EngineOptions(tokenizer.EosIds, tokenizer));
        var request = new GenerationRequest(tokenizer.Encode("on 7 march 1999 tom went to"), MaxTokens: 40);
        var full = ServingSetup.Await(engine.Submit(request).Completion);
        Assert.That(full.Text, Has.Length.GreaterThan(12), full.Text);
        string stop = full.Text.Substring(8, 3);
        int at = full.Text.IndexOf(stop, StringComparison.Ordinal);

        var handle = engine.Submit(request with { Stop = ["\u0001never", stop] });
        var streamed = new System.Text.StringBuilder();
        int tokens = 0;
        await foreach (var delta in handle.StreamAsync())
        {
            streamed.Append(delta.Text);
            tokens += delta.TokenId >= 0 ? 1 : 0;
        }
        var result = ServingSetup.Await(handle.Completion);
        Assert.Multiple(() =>
        {
            Assert.That(result.Reason, Is.EqualTo(FinishReason.StopString));
            Assert.That(result.Text, Is.EqualTo(full.Text[..at]));
            Assert.That(streamed.ToString(), Is.EqualTo(result.Text));
            Assert.That(tokens, Is.EqualTo(result.TokenIds.Length));
            Assert.That(result.TokenIds, Is.EqualTo(full.TokenIds[..result.TokenIds.Length]));
            Assert.That(result.Usage.CompletionTokens, Is.EqualTo(result.TokenIds.Length));
        });
    }

    [Test]
    public void MaxTokens_AndEos_EndTheGeneration()
    {
        using var model = ServingSetup.LoadBase();
        using var bank = ServingSetup.Bank(model);
        var tokenizer = ServingSetup.Tokenizer();
        var prompt = tokenizer.Encode("on 7 march 1999 tom went to");
        int[] free;
        using (var engine = new GenerationEngine(bank, new EngineOptions([])))
        {
            var capped = ServingSetup.Await(engine.Submit(new GenerationRequest(prompt, "lora", MaxTokens: 7)).Completion);
            Assert.That((capped.Reason, capped.TokenIds.Length), Is.EqualTo((FinishReason.Length, 7)));
            free = capped.TokenIds;
        }
        using (var engine = new GenerationEngine(bank, new EngineOptions([free[3]])))
        {
            var ended = ServingSetup.Await(engine.Submit(new GenerationRequest(prompt, "lora", MaxTokens: 7)).Completion);
            int first = Array.IndexOf(free, free[3]);
            Assert.That(ended.Reason, Is.EqualTo(FinishReason.Eos));
            Assert.That(ended.TokenIds, Is.EqualTo(free[..first]));
            Assert.That(ended.Usage, Is.EqualTo(new Usage(prompt.Length, first)));
        }
    }

    [Test]
    public void StopStrings_WithoutATokenizer_AreRefused()
    {
        using var model = ServingSetup.LoadBase();
        using var bank = new AdapterBank(model);
        using var engine = new GenerationEngine(bank, new EngineOptions([]));
        Assert.Throws<ArgumentException>(() => engine.Submit(new GenerationRequest([5, 6], Stop: ["x"])));
        Assert.Throws<ArgumentException>(() => engine.Submit(new GenerationRequest([])));
        Assert.Throws<ArgumentException>(() => engine.Submit(new GenerationRequest([5], MaxTokens: 0)));
    }
}
