using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Models.Llama;

namespace PRoLoRA.Native.Training;

/// <summary>Mean next-token cross-entropy of a causal language model over examples, the loss counting only completion (or text) tokens.</summary>
public static class CausalLmLoss
{
    /// <summary>
    /// The mean over every counted token of <paramref name="examples"/> (in batches of
    /// <paramref name="batchSize"/>, each cut to <paramref name="sequenceLength"/>) and how many tokens
    /// counted; records nothing. NaN when no token counts. <paramref name="logits"/>, when given, sees
    /// every batch (in order) with its logits ((batch·length) × vocabulary, token-major).
    /// </summary>
    public static (double Loss, long Tokens) Evaluate(LlamaModel model, IReadOnlyList<TokenizedExample> examples, int batchSize, int sequenceLength, Action<SequenceBatch, float[]>? logits = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        double sum = 0;
        long count = 0;
        for (int start = 0; start < examples.Count; start += batchSize)
        {
            var batch = SequenceBatch.Of([.. examples.Skip(start).Take(batchSize)], sequenceLength, padId: 0);
            int counted = batch.CountedTokens;
            if (counted == 0 && logits is null)
            {
                continue;
            }
            using var tape = new Tape(model.Backend);
            using var _ = tape.NoGrad();
            var output = Logits(tape, model, batch);
            logits?.Invoke(batch, output.Value.ToArray());
            if (counted > 0)
            {
                sum += (double)tape.SoftmaxCrossEntropy(output, batch.Targets).Value.ToArray()[0] * counted;
                count += counted;
            }
        }
        return (count == 0 ? double.NaN : sum / count, count);
    }

    /// <summary>The batch's mean loss over its counted tokens, recorded on <paramref name="tape"/>.</summary>
    internal static Variable Of(Tape tape, LlamaModel model, SequenceBatch batch)
        => tape.SoftmaxCrossEntropy(Logits(tape, model, batch), batch.Targets);

    /// <summary>The batch's logits, padded keys hidden.</summary>
    private static Variable Logits(Tape tape, LlamaModel model, SequenceBatch batch)
    {
        var padded = batch.KeyMask.Contains(0) ? batch.KeyMask : null;
        return model.Forward(tape, batch.Ids, batch.Batch, batch.Length, keyMask: padded);
    }
}
