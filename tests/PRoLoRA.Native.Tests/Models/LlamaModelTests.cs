using System.Text.Json;
using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.IO;
using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Models;

/// <summary>
/// One body for every backend: the tiny reference checkpoints' logits (the Hugging Face LLaMA
/// math in float64) are matched within 1e-3 relative, bare, with a compact PRoLoRA adapter on all
/// seven modules (ragged m and n, u > 0) and with a PEFT LoRA adapter in BF16, and so is each
/// case's mean loss; decoding token by token with a KV cache gives the logits of a full pass; a
/// right-padded batch gives each sequence's own logits.
/// </summary>
public abstract class LlamaModelTests : BackendFixture
{

    public static IEnumerable<TestCaseData> Runs() =>
        from c in LlamaGolden.Cases
        from run in new[] { "base", "prolora", "peft_lora" }
        select new TestCaseData(c, run).SetName($"Logits_{c}_{run}_MatchHuggingFace");

    [TestCaseSource(nameof(Runs))]
    public void Logits_MatchTheReference(string name, string run)
    {
        using var model = Load(name, run);
        var (ids, batch, length) = LlamaGolden.Tokens(name);
        var logits = Logits(model, ids, batch, length);
        using var expected = SafetensorsFile.Open(Path.Combine(LlamaGolden.Case(name), $"logits_{run}.safetensors"));
        FloatAssert.Close(logits, expected.ReadFloat32("logits"), $"{name}/{run} logits", 1e-3f, floor: 1f);
        Assert.That(MeanLoss(logits, ids, batch, length, model.Config.VocabularySize), Is.EqualTo(ExpectedLoss($"{name}/{run}")).Within(1e-3).Percent);
    }

    [TestCase("mha", "prolora")]
    [TestCase("gqa8x2", "peft_lora")]
    public void CachedDecoding_GivesTheLogitsOfAFullPass(string name, string run)
    {
        using var model = Load(name, run);
        var (ids, _, length) = LlamaGolden.Tokens(name);
        var sequence = ids[..length];
        int v = model.Config.VocabularySize;
        var full = Logits(model, sequence, 1, length);
        using var cache = new LlamaCache(model.Config, model.Backend, length);
        // A 4-token prompt in one pass, then one token at a time, as generation goes.
        var pieces = new List<float>();
        int[] steps = [4, .. Enumerable.Repeat(1, length - 4)];
        int at = 0;
        foreach (int n in steps)
        {
            using var tape = new Tape(model.Backend);
            using var _ = tape.NoGrad();
            pieces.AddRange(model.Forward(tape, sequence[at..(at + n)], 1, n, cache).Value.ToArray());
            at += n;
        }
        Assert.That(cache.Length, Is.EqualTo(length));
        FloatAssert.Close([.. pieces], full, $"{name}/{run} cached logits", 1e-4f, floor: 1f);
        Assert.That(pieces, Has.Count.EqualTo(length * v));
    }

    [Test]
    public void RightPaddedBatch_GivesEachSequenceItsOwnLogits()
    {
        using var model = Load("gqa8x2", "prolora");
        var (ids, _, length) = LlamaGolden.Tokens("gqa8x2");
        int v = model.Config.VocabularySize;
        int shortLength = length - 4;
        var longSeq = ids[..length];
        var shortSeq = ids[length..(length + shortLength)];
        var padded = longSeq.Concat(shortSeq).Concat(Enumerable.Repeat(0, 4)).ToArray();
        var mask = Enumerable.Repeat(1, length + shortLength).Concat(Enumerable.Repeat(0, 4)).ToArray();
        float[] batched;
        using (var tape = new Tape(model.Backend))
        using (tape.NoGrad())
        {
            batched = model.Forward(tape, padded, 2, length, keyMask: mask).Value.ToArray();
        }
        FloatAssert.Close(batched[..(length * v)], Logits(model, longSeq, 1, length), "the full-length sequence", 1e-4f, floor: 1f);
        FloatAssert.Close(batched[(length * v)..((length + shortLength) * v)], Logits(model, shortSeq, 1, shortLength), "the padded sequence", 1e-4f, floor: 1f);
    }

    [Test]
    public void Forward_RejectsIdsOutsideTheVocabularyAndWrongCounts()
    {
        using var model = Load("mha", "base");
        using var tape = new Tape(model.Backend);
        Assert.Multiple(() =>
        {
            Assert.That(() => model.Forward(tape, [1, 2, 3], 2, 2), Throws.ArgumentException.With.Message.Contains("batch 2 × length 2"));
            Assert.That(() => model.Forward(tape, [1, model.Config.VocabularySize], 1, 2), Throws.InstanceOf<ArgumentException>());
            Assert.That(() => model.Forward(tape, [1, -1], 1, 2), Throws.InstanceOf<ArgumentException>());
        });
    }

    [TestCase("bf16")]
    [TestCase("nf4")]
    public void QuantisedBase_GivesTheCpuBackendsLogits_AndStaysNearTheF32Base(string dtype)
    {
        // The same quantised linears on every backend (within the golden tests' 1e-3: other summation orders);
        // against the F32 base only loosely (quantisation error).
        var baseDType = BaseDType.Parse(dtype, doubleQuantize: dtype == "nf4");
        var (ids, batch, length) = LlamaGolden.Tokens("gqa8x2");
        using var model = Load("gqa8x2", "prolora", baseDType);
        using var cpu = LlamaModel.Load(LlamaGolden.Model("gqa8x2"), CpuBackend.Instance, baseDType);
        cpu.AddAdapters(AdapterFolder.Load(Path.Combine(LlamaGolden.Case("gqa8x2"), "prolora"), CpuBackend.Instance));
        var logits = Logits(model, ids, batch, length);
        FloatAssert.Close(logits, Logits(cpu, ids, batch, length), $"{dtype} logits against the CPU's", 1e-3f, floor: 1f);
        int vocabulary = model.Config.VocabularySize;
        Assert.That(MeanLoss(logits, ids, batch, length, vocabulary), Is.EqualTo(ExpectedLoss("gqa8x2/prolora")).Within(5).Percent);
    }

    private LlamaModel Load(string name, string run, BaseDType baseDType = default)
    {
        var model = LlamaModel.Load(LlamaGolden.Model(name), Backend, baseDType);
        if (run != "base")
        {
            model.AddAdapters(AdapterFolder.Load(Path.Combine(LlamaGolden.Case(name), run), Backend));
        }
        return model;
    }

    private static float[] Logits(LlamaModel model, int[] ids, int batch, int length)
    {
        using var tape = new Tape(model.Backend);
        using var _ = tape.NoGrad();
        return model.Forward(tape, ids, batch, length).Value.ToArray();
    }

    private static double ExpectedLoss(string key)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "llama", "expected_loss.json")));
        return doc.RootElement.GetProperty(key).GetDouble();
    }

    /// <summary>Mean cross-entropy of logits[:, :-1] against ids[:, 1:], in double.</summary>
    private static double MeanLoss(float[] logits, int[] ids, int batch, int length, int vocabulary)
    {
        double total = 0;
        int count = 0;
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t + 1 < length; t++)
            {
                var row = logits.AsSpan(((b * length) + t) * vocabulary, vocabulary);
                double max = double.NegativeInfinity;
                foreach (var x in row)
                {
                    max = Math.Max(max, x);
                }
                double z = 0;
                foreach (var x in row)
                {
                    z += Math.Exp(x - max);
                }
                total += Math.Log(z) + max - row[ids[(b * length) + t + 1]];
                count++;
            }
        }
        return total / count;
    }
}

/// <summary>The model body on the CPU backend.</summary>
[TestFixture]
public sealed class LlamaModelCpuTests : LlamaModelTests
{
    /// <inheritdoc/>
    protected override IBackend CreateBackend() => CpuBackend.Instance;
}
