namespace PRoLoRA.Native.Serving;

/// <summary>
/// One streamed step of a generation: a new token and the text it adds. Text that could still turn
/// into a stop string is held back and comes with a later delta; a last delta with
/// <see cref="TokenId"/> −1 carries any text still held when the generation ends.
/// </summary>
/// <param name="TokenId">The generated token, or −1 for the closing text-only delta.</param>
/// <param name="Text">The text this delta adds (empty without a tokenizer).</param>
/// <param name="Logprob">The token's log-probabilities, when the request asked for them.</param>
public sealed record GenerationDelta(int TokenId, string Text, TokenLogprob? Logprob);
