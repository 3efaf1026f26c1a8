namespace PRoLoRA.Native.Training;

/// <summary>
/// A batch of examples laid out for a causal language model: <see cref="Ids"/> (batch × length,
/// right-padded), <see cref="Targets"/> (the next token where the loss counts, −1 where it does not:
/// prompt, padding, the last position) and <see cref="KeyMask"/> (1 for real tokens, 0 for padding).
/// </summary>
public sealed record SequenceBatch(int[] Ids, int[] Targets, int[] KeyMask, int Batch, int Length)
{
    /// <summary>Tokens the loss counts.</summary>
    public int CountedTokens => Targets.Count(t => t >= 0);

    /// <summary>The tokens of <paramref name="example"/> the loss counts in any batch cut at <paramref name="length"/> (what it adds to <see cref="CountedTokens"/>).</summary>
    public static int CountedTokensOf(TokenizedExample example, int length)
    {
        ArgumentNullException.ThrowIfNull(example);
        return Math.Max(0, Math.Min(length, example.Ids.Length) - Math.Max(example.PromptLength, 1));
    }

    /// <summary>
    /// Lays out <paramref name="examples"/>, each cut to <paramref name="length"/> tokens and padded
    /// with <paramref name="padId"/>; the batch is as long as its longest example (at most <paramref name="length"/>).
    /// </summary>
    public static SequenceBatch Of(IReadOnlyList<TokenizedExample> examples, int length, int padId)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 2);
        if (examples.Count == 0)
        {
            throw new ArgumentException("a batch needs at least one example", nameof(examples));
        }
        int t = Math.Min(length, examples.Max(e => e.Ids.Length));
        int b = examples.Count;
        var ids = new int[b * t];
        var targets = new int[b * t];
        var mask = new int[b * t];
        Array.Fill(ids, padId);
        Array.Fill(targets, -1);
        for (int i = 0; i < b; i++)
        {
            var e = examples[i];
            int n = Math.Min(t, e.Ids.Length);
            for (int p = 0; p < n; p++)
            {
                ids[(i * t) + p] = e.Ids[p];
                mask[(i * t) + p] = 1;
                if (p + 1 < n && p + 1 >= e.PromptLength)
                {
                    targets[(i * t) + p] = e.Ids[p + 1];
                }
            }
        }
        return new SequenceBatch(ids, targets, mask, b, t);
    }
}
