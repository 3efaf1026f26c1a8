using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Serving;

namespace PRoLoRA.Native.Tests.Serving;

/// <summary>One batched decode step over sequences of different lengths and adapters equals each sequence's own step.</summary>
public class DecodeStepTests
{
    [Test]
    public void DecodeStep_EqualsEachSequenceAlone()
    {
        using var model = ServingSetup.LoadBase();
        using var bank = ServingSetup.Bank(model);
        var slots = bank.Adapters.ToDictionary(a => a.Name, a => a.Slot);
        int[] rowSlots = [slots["mlp"], -1, slots["attn"], slots["mlp"], slots["lora"]];
        int[][] prompts = [.. Enumerable.Range(0, rowSlots.Length).Select(b => Enumerable.Range(0, 2 + (3 * b)).Select(i => ((i * 13) + b + 4) % 90).ToArray())];
        int[] next = [.. Enumerable.Range(0, rowSlots.Length).Select(b => 40 + b)];
        var together = Enumerable.Range(0, rowSlots.Length).Select(_ => new LlamaCache(model.Config, model.Backend, 32)).ToArray();
        var alone = Enumerable.Range(0, rowSlots.Length).Select(_ => new LlamaCache(model.Config, model.Backend, 32)).ToArray();
        try
        {
            using var tape = new Tape(model.Backend);
            using var _ = tape.NoGrad();
            for (int b = 0; b < rowSlots.Length; b++)
            {
                model.Forward(tape, prompts[b], 1, prompts[b].Length, bank, [rowSlots[b]], together[b]);
                model.Forward(tape, prompts[b], 1, prompts[b].Length, bank, [rowSlots[b]], alone[b]);
            }
            for (int step = 0; step < 2; step++)
            {
                var batched = model.DecodeStep(tape, next, together, bank, rowSlots).Value.ToArray();
                int vocabulary = model.Config.VocabularySize;
                for (int b = 0; b < rowSlots.Length; b++)
                {
                    var own = model.Forward(tape, [next[b]], 1, 1, bank, [rowSlots[b]], alone[b]).Value.ToArray();
                    Assert.That(batched.AsSpan(b * vocabulary, vocabulary).ToArray(), Is.EqualTo(own).Within(1e-5f), $"step {step}, sequence {b}");
                    Assert.That(together[b].Length, Is.EqualTo(alone[b].Length));
                }
                next = [.. next.Select(t => t + 1)];
            }
        }
        finally
        {
            foreach (var cache in together.Concat(alone))
            {
                cache.Dispose();
            }
        }
    }

    [Test]
    public void DecodeStep_RefusesARecordingTape()
    {
        using var model = ServingSetup.LoadBase();
        using var bank = new AdapterBank(model);
        using var cache = new LlamaCache(model.Config, model.Backend, 4);
        using var tape = new Tape(model.Backend);
        Assert.Throws<InvalidOperationException>(() => model.DecodeStep(tape, [1], [cache], bank, [-1]));
    }
}
