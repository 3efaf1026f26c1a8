namespace PRoLoRA.Cli.Pretraining;

/// <summary>
/// <see cref="PretrainingText"/>'s paragraphs as one endless stream of token ids, each paragraph
/// as &lt;s&gt; text &lt;/s&gt;; cut into training sequences that may start and end mid-paragraph.
/// </summary>
public sealed class TokenStream(int seed)
{
    private readonly IEnumerator<string> _paragraphs = PretrainingText.Paragraphs(seed).GetEnumerator();
    private readonly Queue<int> _pending = new();

    /// <summary>The next <paramref name="count"/> ids.</summary>
    public int[] Take(int count)
    {
        while (_pending.Count < count)
        {
            _paragraphs.MoveNext();
            _pending.Enqueue(CharTokenizer.BosId);
            foreach (int id in CharTokenizer.Encode(_paragraphs.Current))
            {
                _pending.Enqueue(id);
            }
            _pending.Enqueue(CharTokenizer.EosId);
        }
        var ids = new int[count];
        for (int i = 0; i < count; i++)
        {
            ids[i] = _pending.Dequeue();
        }
        return ids;
    }
}
