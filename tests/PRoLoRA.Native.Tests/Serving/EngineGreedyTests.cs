using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Serving;
using PRoLoRA.Native.Tests.Models;

namespace PRoLoRA.Native.Tests.Serving;

/// <summary>A mixed batch decodes each request exactly as LlamaGenerator does alone with its adapter attached.</summary>
public class EngineGreedyTests
{
    [Test]
    public void MixedBatch_JoiningAtDifferentTimes_EqualsEachRequestAlone()
    {
        using var model = ServingSetup.LoadBase();
        using var reference = ServingSetup.LoadBase();
        using var bank = ServingSetup.Bank(model);
        var tokenizer = ServingSetup.Tokenizer();
        string[] prompts = ["on 7 march 1999 tom went to", "the cat", "in the morning", "a", "we saw the sea and"];
        string?[] adapters = ["attn", null, "mlp", "lora"];
        var requests = Enumerable.Range(0, 10).Select(i => new GenerationRequest(tokenizer.Encode(prompts[i % prompts.Length]), adapters[i % adapters.Length], MaxTokens: 6 + (3 * i))).ToArray();
        using var engine = new GenerationEngine(bank, new EngineOptions(tokenizer.EosIds, tokenizer, MaxRunning: 4, QueueCapacity: 16));
        var handles = new List<GenerationHandle>();
        for (int i = 0; i < requests.Length; i++)
        {
            handles.Add(engine.Submit(requests[i]));
            if (i % 3 == 2)
            {
                ServingSetup.FirstDelta(handles[^1]);
            }
        }
        for (int i = 0; i < requests.Length; i++)
        {
            var result = ServingSetup.Await(handles[i].Completion);
            var adapter = ServingSetup.Adapters.SingleOrDefault(a => a.Name == requests[i].Adapter);
            var expected = ServingSetup.Reference(reference, adapter, requests[i], tokenizer.EosIds);
            Assert.That(result.TokenIds, Is.EqualTo(expected), $"request {i} ({requests[i].Adapter ?? "base"})");
            Assert.That(result.Text, Is.EqualTo(tokenizer.Decode(expected)));
            Assert.That(result.Usage, Is.EqualTo(new Usage(requests[i].PromptIds.Length, expected.Length)));
        }
        var m = engine.Metrics;
        Assert.That(m.DecodeSteps, Is.LessThan(m.GeneratedTokens - requests.Length), "decode steps advanced several sequences at once");
        var differs = ServingSetup.Reference(reference, null, requests[0], tokenizer.EosIds);
        Assert.That(handles[0].Completion.Result.TokenIds, Is.Not.EqualTo(differs), "the adapter changes the greedy output");
    }

    [TestCaseSource(typeof(LlamaGolden), nameof(LlamaGolden.Cases))]
    public void GoldenLlama_WithItsAdapterFolders_EqualsEachRequestAlone(string name)
    {
        using var model = LlamaModel.Load(LlamaGolden.Model(name), CpuBackend.Instance);
        using var reference = LlamaModel.Load(LlamaGolden.Model(name), CpuBackend.Instance);
        using var bank = new AdapterBank(model);
        string?[] kinds = ["prolora", "peft_lora", null];
        foreach (var kind in kinds.OfType<string>())
        {
            bank.Load(kind, Path.Combine(LlamaGolden.Case(name), kind));
        }
        var (ids, batch, length) = LlamaGolden.Tokens(name);
        using var engine = new GenerationEngine(bank, new EngineOptions([]));
        var requests = Enumerable.Range(0, 6).Select(i => new GenerationRequest(ids[((i % batch) * length)..(((i % batch) * length) + 3 + i)], kinds[i % kinds.Length], MaxTokens: 8)).ToArray();
        var handles = requests.Select(r => engine.Submit(r)).ToArray();
        for (int i = 0; i < requests.Length; i++)
        {
            var kind = requests[i].Adapter;
            if (kind is not null)
            {
                reference.AddAdapters(Native.IO.AdapterFolder.Load(Path.Combine(LlamaGolden.Case(name), kind), CpuBackend.Instance));
            }
            var expected = LlamaGenerator.Continue(reference, requests[i].PromptIds, new GenerationOptions(8), []);
            reference.RemoveAdapters();
            Assert.That(ServingSetup.Await(handles[i].Completion).TokenIds, Is.EqualTo(expected), $"request {i} ({kind ?? "base"})");
        }
    }
}
