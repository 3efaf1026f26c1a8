using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Serving;
using PRoLoRA.Native.Tests.Models;

namespace PRoLoRA.Native.Tests.Serving;

public class AdapterBankTests
{
    [Test]
    public void Bytes_AreTheCompactTensorBytes()
    {
        using var model = ServingSetup.LoadBase();
        using var bank = ServingSetup.Bank(model);
        var infos = bank.Adapters.ToDictionary(a => a.Name);
        Assert.Multiple(() =>
        {
            foreach (var a in ServingSetup.Adapters)
            {
                Assert.That(infos[a.Name].Bytes, Is.EqualTo(a.CompactBytes(model.Config)), a.Name);
                Assert.That(infos[a.Name].Modules, Has.Count.EqualTo(a.Leaves.Length * model.Config.Layers), a.Name);
            }
            Assert.That(bank.TotalBytes, Is.EqualTo(ServingSetup.Adapters.Sum(a => a.CompactBytes(model.Config))));
            Assert.That(infos.Values.Select(i => i.Slot).Distinct().Count(), Is.EqualTo(ServingSetup.Adapters.Length));
        });
    }

    [Test]
    public void Load_ReadsCompactAndPeftFolders_WithTheirTensorBytes()
    {
        using var model = LlamaModel.Load(LlamaGolden.Model("mha"), CpuBackend.Instance);
        using var bank = new AdapterBank(model);
        foreach (var kind in new[] { "prolora", "peft_lora" })
        {
            var folder = Path.Combine(LlamaGolden.Case("mha"), kind);
            var info = bank.Load(kind, folder);
            var expected = Native.IO.AdapterFolder.Load(folder, CpuBackend.Instance);
            long bytes = expected.Values.SelectMany(a => a.Parameters).Sum(p => p.Value.Count * sizeof(float));
            foreach (var a in expected.Values)
            {
                a.Dispose();
            }
            Assert.That(info.Bytes, Is.EqualTo(bytes), kind);
        }
        Assert.That(bank.Adapters.Select(a => a.Name), Is.EqualTo(new[] { "peft_lora", "prolora" }));
    }

    [Test]
    public void UnknownAndDuplicateNames_AreClearErrors()
    {
        using var model = ServingSetup.LoadBase();
        using var bank = ServingSetup.Bank(model);
        var unknown = Assert.Throws<UnknownAdapterException>(() => bank.Acquire("nope"))!;
        Assert.That(unknown.Message, Does.Contain("'nope'"));
        var twice = Assert.Throws<ArgumentException>(() => bank.Add("attn", ServingSetup.Adapters[0].Create(model)))!;
        Assert.That(twice.Message, Does.Contain("already loaded"));
        Assert.That(bank.Unload("nope"), Is.False);
    }

    [Test]
    public void Unload_OfALeasedAdapter_FreesItWhenTheLeaseEnds()
    {
        using var model = ServingSetup.LoadBase();
        using var bank = ServingSetup.Bank(model);
        long all = bank.TotalBytes;
        long attn = ServingSetup.Adapters[0].CompactBytes(model.Config);
        var lease = bank.Acquire("attn");
        Assert.That(bank.Unload("attn"), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(bank.Contains("attn"), Is.False);
            Assert.Throws<UnknownAdapterException>(() => bank.Acquire("attn"));
            Assert.That(bank.TotalBytes, Is.EqualTo(all), "still resident while leased");
        });
        lease.Dispose();
        lease.Dispose();
        Assert.That(bank.TotalBytes, Is.EqualTo(all - attn));
        Assert.That(bank.Unload("mlp"), Is.True);
        Assert.That(bank.TotalBytes, Is.EqualTo(all - attn - ServingSetup.Adapters[1].CompactBytes(model.Config)));
    }

    [Test]
    public void MixedRowForward_EqualsEachSequenceAlone()
    {
        using var model = ServingSetup.LoadBase();
        using var bank = ServingSetup.Bank(model);
        var slots = bank.Adapters.ToDictionary(a => a.Name, a => a.Slot);
        int[] rowSlots = [slots["attn"], -1, slots["lora"], slots["attn"], slots["mlp"]];
        int batch = rowSlots.Length, length = 6, vocabulary = model.Config.VocabularySize;
        var ids = Enumerable.Range(0, batch * length).Select(i => ((i * 37) + 5) % vocabulary).ToArray();
        var together = Logits(model, bank, ids, batch, length, rowSlots);
        for (int b = 0; b < batch; b++)
        {
            var alone = Logits(model, bank, ids[(b * length)..((b + 1) * length)], 1, length, [rowSlots[b]]);
            var part = together.AsSpan(b * length * vocabulary, length * vocabulary).ToArray();
            Assert.That(part, Is.EqualTo(alone).Within(1e-4f), $"sequence {b}");
        }
        var baseOnly = Logits(model, bank, ids[..length], 1, length, [-1]);
        var adapted = Logits(model, bank, ids[..length], 1, length, [slots["attn"]]);
        Assert.That(adapted, Is.Not.EqualTo(baseOnly).Within(1e-2f), "the adapter changes the output");
    }

    [Test]
    public void MaterialisedBank_GivesTheCompactBanksLogits_AndKeepsADenseCopy()
    {
        using var model = ServingSetup.LoadBase();
        using var compact = ServingSetup.Bank(model);
        using var dense = ServingSetup.Bank(model, AdapterProducts.Materialised);
        var slots = compact.Adapters.ToDictionary(a => a.Name, a => a.Slot);
        Assert.That(dense.Adapters.ToDictionary(a => a.Name, a => a.Slot), Is.EqualTo(slots));
        // Mixed rows (groups of 1 and 2 sequences: the compact products on the CPU) and one adapter for all rows.
        int[][] rowSlotSets = [[slots["attn"], -1, slots["lora"], slots["attn"], slots["mlp"]], [slots["mlp"], slots["mlp"]]];
        foreach (var rowSlots in rowSlotSets)
        {
            int length = 5;
            var ids = Enumerable.Range(0, rowSlots.Length * length).Select(i => ((i * 29) + 3) % model.Config.VocabularySize).ToArray();
            var expected = Logits(model, compact, ids, rowSlots.Length, length, rowSlots);
            var actual = Logits(model, dense, ids, rowSlots.Length, length, rowSlots);
            Assert.That(actual, Is.EqualTo(expected).Within(1e-4f), string.Join(",", rowSlots));
        }
        var infos = dense.Adapters.ToDictionary(a => a.Name);
        Assert.Multiple(() =>
        {
            foreach (var a in ServingSetup.Adapters)
            {
                Assert.That(infos[a.Name].Bytes, Is.EqualTo(a.CompactBytes(model.Config) + a.DenseBytes(model.Config)), a.Name);
            }
            Assert.That(dense.Products, Is.EqualTo(AdapterProducts.Materialised));
            Assert.That(() => new AdapterBank(model, (AdapterProducts)7), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("products"));
        });
    }

    [Test]
    public void SwappingBank_KeepsAtMostItsCapacityOnTheDevice_SwappingTheLeastRecentlyUsed()
    {
        using var model = ServingSetup.LoadBase();
        using var everything = ServingSetup.Bank(model);
        using var bank = ServingSetup.Bank(model, deviceCapacity: 2);
        var slots = bank.Adapters.ToDictionary(a => a.Name, a => a.Slot);
        long Bytes(string name) => ServingSetup.Adapters.Single(a => a.Name == name).CompactBytes(model.Config);
        Assert.Multiple(() =>
        {
            Assert.That(bank.Adapters.Select(a => a.OnDevice), Is.All.False, "added to host memory only");
            Assert.That(bank.TotalBytes, Is.Zero);
            Assert.That(bank.Adapters.Select(a => a.Bytes), Is.EqualTo(bank.Adapters.Select(a => Bytes(a.Name))), "an adapter's bytes on the device");
        });
        int length = 4;
        int[] Ids(int batch) => [.. Enumerable.Range(0, batch * length).Select(i => ((i * 17) + 2) % model.Config.VocabularySize)];

        int[] first = [slots["attn"], -1, slots["lora"]];
        Assert.That(Logits(model, bank, Ids(3), 3, length, first), Is.EqualTo(Logits(model, everything, Ids(3), 3, length, first)).Within(1e-5f));
        Assert.That(OnDevice(bank), Is.EquivalentTo(new[] { "attn", "lora" }));
        Assert.That(bank.TotalBytes, Is.EqualTo(Bytes("attn") + Bytes("lora")));

        // attn was used before lora: it makes room for mlp.
        int[] second = [slots["mlp"], slots["lora"]];
        Assert.That(Logits(model, bank, Ids(2), 2, length, second), Is.EqualTo(Logits(model, everything, Ids(2), 2, length, second)).Within(1e-5f));
        Assert.That(OnDevice(bank), Is.EquivalentTo(new[] { "lora", "mlp" }));
        Assert.That(bank.SwapIns, Is.EqualTo(3));

        int[] all = [slots["attn"], slots["lora"], slots["mlp"]];
        Assert.That(() => Logits(model, bank, Ids(3), 3, length, all), Throws.InvalidOperationException.With.Message.Contains("uses 3 adapters, more than the 2 the device holds"));
        Assert.That(() => new AdapterBank(model, deviceCapacity: 0), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("at least one adapter"));
        var path = LlamaModules.Path(0, "q_proj");
        var (inFeatures, outFeatures) = LlamaModules.Size(model.Config, "q_proj");
        var wrong = new Dictionary<string, PRoLoRA.Native.Adapters.ProLoraAdapter>
        {
            [path] = PRoLoRA.Native.Adapters.ProLoraAdapter.Create(PRoLoRA.Native.Adapters.ProLoraConfig.Lora(inFeatures + 1, outFeatures, 2), CpuBackend.Instance),
        };
        Assert.That(() => bank.Add("wrong", wrong), Throws.ArgumentException.With.Message.Contains($"'{path}' is {inFeatures + 1}→{outFeatures}, but the model's linear is {inFeatures}→{outFeatures}"));
        Assert.That(bank.Contains("wrong"), Is.False);
    }

    [Test]
    public void Engine_OverASwappingBank_RunsAtMostItsCapacityOfAdaptersAtOnce_AndEachRequestAsAlone()
    {
        using var model = ServingSetup.LoadBase();
        using var reference = ServingSetup.LoadBase();
        using var bank = ServingSetup.Bank(model, deviceCapacity: 1);
        var tokenizer = ServingSetup.Tokenizer();
        string?[] adapters = ["attn", "mlp", null, "lora", "attn", "mlp"];
        var requests = adapters.Select((a, i) => new GenerationRequest(tokenizer.Encode(i % 2 == 0 ? "the cat" : "in the morning"), a, MaxTokens: 5 + i)).ToArray();
        // One adapter on the device: a batch that mixed two would throw, and its requests would fail.
        using var engine = new GenerationEngine(bank, new EngineOptions(tokenizer.EosIds, tokenizer, MaxRunning: 4, QueueCapacity: 16));
        var handles = requests.Select(r => engine.Submit(r)).ToList();
        for (int i = 0; i < requests.Length; i++)
        {
            var result = ServingSetup.Await(handles[i].Completion);
            var adapter = ServingSetup.Adapters.SingleOrDefault(a => a.Name == requests[i].Adapter);
            Assert.That(result.TokenIds, Is.EqualTo(ServingSetup.Reference(reference, adapter, requests[i], tokenizer.EosIds)), $"request {i} ({requests[i].Adapter ?? "base"})");
        }
        Assert.That(bank.SwapIns, Is.GreaterThanOrEqualTo(3), "every adapter came to the device");
        Assert.That(() => new GenerationEngine(bank, new EngineOptions(tokenizer.EosIds, MaxAdaptersPerBatch: 0)), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    private static string[] OnDevice(AdapterBank bank) => [.. bank.Adapters.Where(a => a.OnDevice).Select(a => a.Name)];

    private static float[] Logits(LlamaModel model, AdapterBank bank, int[] ids, int batch, int length, int[] slots)
    {
        using var tape = new Tape(model.Backend);
        using var _ = tape.NoGrad();
        return model.Forward(tape, ids, batch, length, bank, slots).Value.ToArray();
    }
}
