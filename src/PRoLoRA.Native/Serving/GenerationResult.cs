namespace PRoLoRA.Native.Serving;

/// <summary>Why a generation ended.</summary>
public enum FinishReason
{
    /// <summary>The model produced an end-of-sequence id (not included).</summary>
    Eos,

    /// <summary>The request's maximum token count was reached.</summary>
    Length,

    /// <summary>The text reached a stop string (cut from the text).</summary>
    StopString,

    /// <summary>The request was cancelled (or the engine stopped).</summary>
    Cancelled,
}

/// <summary>Token counts of a generation.</summary>
/// <param name="PromptTokens">Tokens of the prompt.</param>
/// <param name="CompletionTokens">Tokens generated (an end-of-sequence id not counted).</param>
public readonly record struct Usage(int PromptTokens, int CompletionTokens);

/// <summary>A finished generation.</summary>
/// <param name="TokenIds">The generated ids (with a stop string's tokens, without an end-of-sequence id).</param>
/// <param name="Text">Their text, cut before a stop string (empty without a tokenizer).</param>
/// <param name="Reason">Why it ended.</param>
/// <param name="Usage">Token counts.</param>
/// <param name="Logprobs">Per-token log-probabilities, when asked for.</param>
public sealed record GenerationResult(int[] TokenIds, string Text, FinishReason Reason, Usage Usage, IReadOnlyList<TokenLogprob>? Logprobs);
