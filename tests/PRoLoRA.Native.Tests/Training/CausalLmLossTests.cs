using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Tests.Cli;
using PRoLoRA.Native.Tests.Models;
using PRoLoRA.Native.Tests.Support;
using PRoLoRA.Native.Training;

namespace PRoLoRA.Native.Tests.Training;

/// <summary><see cref="CausalLmLoss.Evaluate"/>'s logits callback: every batch in order, with the logits of a plain forward pass.</summary>
public class CausalLmLossTests
{
    [Test]
    public void Evaluate_ShowsEveryBatchsLogitsInOrder_EvenWhereNoTokenCounts()
    {
        using var model = LlamaModel.Load(LlamaGolden.Model("mha"), CpuBackend.Instance);
        var (ids, _, length) = LlamaGolden.Tokens("mha");
        // The second example is all prompt: its batch counts no token but still has logits.
        TokenizedExample[] examples = [new(ids[..length], 3), new(ids[length..], length), new(ids[..5], 0)];
        var seen = new List<(SequenceBatch Batch, float[] Logits)>();
        var (loss, tokens) = CausalLmLoss.Evaluate(model, examples, batchSize: 1, sequenceLength: length, (batch, logits) => seen.Add((batch, logits)));

        Assert.That(seen.Select(s => s.Batch.Ids), Is.EqualTo(examples.Select(e => e.Ids)));
        int v = model.Config.VocabularySize;
        double sum = 0;
        for (int i = 0; i < examples.Length; i++)
        {
            var e = examples[i];
            var expected = LlamaCli.Logits(model, e.Ids, 1, e.Ids.Length);
            FloatAssert.Close(seen[i].Logits, expected, $"example {i}", 1e-5f, floor: 1f);
            for (int p = Math.Max(e.PromptLength - 1, 0); p + 1 < e.Ids.Length; p++)
            {
                sum += LlamaCli.NegativeLogLikelihood(expected, p, v, e.Ids[p + 1]);
            }
        }
        Assert.That(tokens, Is.EqualTo((length - 3) + 4));
        Assert.That(loss, Is.EqualTo(sum / tokens).Within(1e-4).Percent);
        Assert.That(CausalLmLoss.Evaluate(model, examples, 2, length), Is.EqualTo((loss, tokens)).Using<(double, long)>((a, b) => Math.Abs(a.Item1 - b.Item1) < 1e-5 && a.Item2 == b.Item2));
    }
}
