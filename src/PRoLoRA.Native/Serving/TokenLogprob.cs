namespace PRoLoRA.Native.Serving;

/// <summary>A token and its log-probability under the model (before temperature and top-p).</summary>
/// <param name="TokenId">The token.</param>
/// <param name="Logprob">Its natural-log probability.</param>
public readonly record struct TokenAlternative(int TokenId, float Logprob);

/// <summary>The chosen token's log-probability and the most likely alternatives, most likely first.</summary>
/// <param name="TokenId">The chosen token.</param>
/// <param name="Logprob">Its natural-log probability.</param>
/// <param name="Top">The request's top-k tokens.</param>
public sealed record TokenLogprob(int TokenId, float Logprob, IReadOnlyList<TokenAlternative> Top)
{
    /// <summary>The log-probabilities of <paramref name="token"/> and the <paramref name="k"/> most likely tokens of <paramref name="logits"/>.</summary>
    public static TokenLogprob Of(float[] logits, int token, int k)
    {
        ArgumentNullException.ThrowIfNull(logits);
        double max = logits.Max();
        double logSum = max + Math.Log(logits.Sum(l => Math.Exp(l - max)));
        float Log(int i) => (float)(logits[i] - logSum);
        var top = Enumerable.Range(0, logits.Length).OrderByDescending(i => logits[i]).ThenBy(i => i).Take(k).Select(i => new TokenAlternative(i, Log(i))).ToArray();
        return new TokenLogprob(token, Log(token), top);
    }
}
