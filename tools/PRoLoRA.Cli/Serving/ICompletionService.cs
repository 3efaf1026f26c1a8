using PRoLoRA.Native.Text;

namespace PRoLoRA.Cli.Serving;

/// <summary>The alternatives of one generated token: its log-probability and the most likely tokens' (OpenAI's completions logprobs).</summary>
/// <param name="Token">The token's text.</param>
/// <param name="Logprob">Its log-probability.</param>
/// <param name="Top">The most likely tokens at that position, text → log-probability.</param>
public sealed record CompletionLogprob(string Token, float Logprob, IReadOnlyList<KeyValuePair<string, float>> Top);

/// <summary>Token counts of a completion.</summary>
/// <param name="PromptTokens">Tokens of the prompt.</param>
/// <param name="CompletionTokens">Tokens generated.</param>
public sealed record CompletionUsage(int PromptTokens, int CompletionTokens);

/// <summary>
/// One step of a completion: the text it adds (possibly empty while a stop string may be forming),
/// the token's log-probabilities when asked for, and on the last event why it stopped and the usage.
/// </summary>
/// <param name="Text">Text added by this event.</param>
/// <param name="Logprob">The generated token's log-probabilities, when the request asked for them.</param>
/// <param name="FinishReason">"stop" or "length" on the last event, else null.</param>
/// <param name="Usage">Token counts, on the last event.</param>
public sealed record CompletionEvent(string Text, CompletionLogprob? Logprob, string? FinishReason, CompletionUsage? Usage);

/// <summary>
/// What `prolora serve` needs from a generation engine: the model ids it serves (the base, then each
/// loaded adapter by name), completions as a stream of events, adapters loaded and unloaded by name,
/// and metrics. Refusals are <see cref="ApiException"/>s (404 unknown model, 429 full queue, 400 a
/// prompt too long or an adapter folder that does not load).
/// </summary>
public interface ICompletionService
{
    /// <summary>The base model's id.</summary>
    string BaseModelId { get; }

    /// <summary>The loaded adapters' names.</summary>
    IReadOnlyList<string> Adapters { get; }

    /// <summary>The model's tokenizer.</summary>
    ITokenizer Tokenizer { get; }

    /// <summary>Runs <paramref name="request"/>; the enumeration throws a refusal before its first event. Cancelling frees the sequence.</summary>
    IAsyncEnumerable<CompletionEvent> Complete(CompletionRequest request, CancellationToken cancel);

    /// <summary>Loads the adapter folder <paramref name="path"/> as <paramref name="name"/>.</summary>
    void LoadAdapter(string name, string path);

    /// <summary>Unloads the adapter <paramref name="name"/>.</summary>
    void UnloadAdapter(string name);

    /// <summary>Prometheus metrics: name, help text, value.</summary>
    IReadOnlyList<(string Name, string Help, double Value)> Metrics();
}
