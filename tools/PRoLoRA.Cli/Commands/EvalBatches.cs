using PRoLoRA.Native.Training;

namespace PRoLoRA.Cli.Commands;

/// <summary>The batches `prolora eval` runs: rows of token ids as they are, or tokenized examples padded and cut.</summary>
internal static class EvalBatches
{
    /// <summary>
    /// <paramref name="rows"/> rows of <paramref name="length"/> ids (row-major), <paramref name="batchSize"/>
    /// rows a batch: every position but the last predicts the next id, no padding.
    /// </summary>
    public static IEnumerable<SequenceBatch> FromRows(int[] ids, int rows, int length, int batchSize)
    {
        for (int start = 0; start < rows; start += batchSize)
        {
            int b = Math.Min(batchSize, rows - start);
            var chunk = ids.AsSpan(start * length, b * length).ToArray();
            var targets = new int[chunk.Length];
            for (int i = 0; i < chunk.Length; i++)
            {
                targets[i] = (i + 1) % length == 0 ? -1 : chunk[i + 1];
            }
            var mask = new int[chunk.Length];
            Array.Fill(mask, 1);
            yield return new SequenceBatch(chunk, targets, mask, b, length);
        }
    }

    /// <summary>
    /// <paramref name="examples"/>, <paramref name="batchSize"/> a batch, each cut to
    /// <paramref name="maxLength"/> tokens and right-padded (the loss counts completion tokens only, see <see cref="SequenceBatch.Of"/>).
    /// </summary>
    public static IEnumerable<SequenceBatch> FromExamples(IReadOnlyList<TokenizedExample> examples, int batchSize, int maxLength)
    {
        for (int start = 0; start < examples.Count; start += batchSize)
        {
            var chunk = examples.Skip(start).Take(batchSize).ToList();
            yield return SequenceBatch.Of(chunk, maxLength, padId: 0);
        }
    }
}
