using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Training;

namespace PRoLoRA.Cli.Commands;

/// <summary>The summed next-token cross-entropy of a model over batches, and how many tokens it counts.</summary>
/// <param name="Sum">Σ over counted tokens of −log p(target).</param>
/// <param name="Counted">Tokens counted (targets that are not −1).</param>
internal readonly record struct NextTokenLoss(double Sum, long Counted)
{
    /// <summary>The mean over counted tokens.</summary>
    public double Mean => Sum / Counted;

    /// <summary>
    /// Runs every batch through <paramref name="model"/> without gradients (padded keys masked) and
    /// adds up its cross-entropy; <paramref name="logits"/>, when given, sees each batch's logits
    /// ((batch·length) × vocabulary) in order.
    /// </summary>
    public static NextTokenLoss Of(LlamaModel model, IEnumerable<SequenceBatch> batches, Action<SequenceBatch, float[]>? logits = null)
    {
        double sum = 0;
        long counted = 0;
        foreach (var batch in batches)
        {
            using var tape = new Tape(model.Backend);
            using var _ = tape.NoGrad();
            var output = model.Forward(tape, batch.Ids, batch.Batch, batch.Length, keyMask: batch.KeyMask);
            logits?.Invoke(batch, output.Value.ToArray());
            int n = batch.CountedTokens;
            if (n > 0)
            {
                sum += (double)tape.SoftmaxCrossEntropy(output, batch.Targets).Value.ToArray()[0] * n;
                counted += n;
            }
        }
        return new NextTokenLoss(sum, counted);
    }
}
