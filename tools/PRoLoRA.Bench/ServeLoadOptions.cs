namespace PRoLoRA.Bench;

/// <summary>The load generator's settings (<c>serve --url URL</c>): how many completions, how many at once, how long each.</summary>
/// <param name="Url">The server's base address (http://host:port/).</param>
/// <param name="Requests">Completions to send in all.</param>
/// <param name="Concurrency">Completions in flight at most.</param>
/// <param name="MaxTokens">max_tokens of each completion.</param>
public sealed record ServeLoadOptions(Uri Url, int Requests, int Concurrency, int MaxTokens)
{
    /// <summary>The defaults: 64 completions, all 64 at once, 32 tokens each.</summary>
    public const int DefaultRequests = 64, DefaultConcurrency = 64, DefaultMaxTokens = 32;
}
