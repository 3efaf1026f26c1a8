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

    private static float[] Logits(LlamaModel model, AdapterBank bank, int[] ids, int batch, int length, int[] slots)
    {
        using var tape = new Tape(model.Backend);
        using var _ = tape.NoGrad();
        return model.Forward(tape, ids, batch, length, bank, slots).Value.ToArray();
    }
}
