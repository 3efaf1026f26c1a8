using System.Runtime.CompilerServices;
using PRoLoRA.Cli.Serving;
using PRoLoRA.Native.Text;

namespace PRoLoRA.Native.Tests.Serving;

/// <summary>
/// A scripted engine for the HTTP tests: "hello" one character per event (with log-probabilities
/// when asked), 404 for an unknown model, 429 for the prompt "full", a crash for "crash", and a
/// slow stream for "slow" whose cancellation it records.
/// </summary>
internal sealed class FakeCompletionService : ICompletionService
{
    private readonly List<string> _adapters = ["add", "date"];

    public string BaseModelId => "llama-base";

    public IReadOnlyList<string> Adapters => [.. _adapters];

    public ITokenizer Tokenizer => throw new NotSupportedException();

    public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async IAsyncEnumerable<CompletionEvent> Complete(CompletionRequest request, [EnumeratorCancellation] CancellationToken cancel)
    {
        if (request.Model != BaseModelId && !_adapters.Contains(request.Model))
        {
            throw new ApiException(404, $"model '{request.Model}' does not exist", "not_found_error", "model");
        }
        switch (request.PromptText)
        {
            case "full":
                throw new ApiException(429, "the queue is full", "rate_limit_error");
            case "crash":
                throw new InvalidOperationException("the engine broke");
        }
        // A slow stream runs far longer than HttpClient drains a response it was told to drop (2 s).
        string text = request.PromptText == "slow" ? new string('z', 1000) : "hello"[..Math.Min(5, request.MaxTokens)];
        for (int i = 0; i < text.Length; i++)
        {
            if (request.PromptText == "slow")
            {
                try
                {
                    await Task.Delay(50, cancel);
                }
                catch (OperationCanceledException)
                {
                    Cancelled.TrySetResult();
                    throw;
                }
            }
            var logprob = request.Logprobs is { } k ? new CompletionLogprob(text[i].ToString(), -0.5f, [.. Enumerable.Range(0, k).Select(j => new KeyValuePair<string, float>($"t{j}", -j - 0.5f))]) : null;
            bool last = i == text.Length - 1;
            yield return new CompletionEvent(text[i].ToString(), logprob, last ? (text.Length < 5 ? "length" : "stop") : null, last ? new CompletionUsage(3, text.Length) : null);
        }
    }

    public void LoadAdapter(string name, string path)
    {
        if (!Directory.Exists(path))
        {
            throw new ApiException(400, $"{path}: no such adapter folder", param: "lora_path");
        }
        _adapters.Add(name);
    }

    public void UnloadAdapter(string name)
    {
        if (!_adapters.Remove(name))
        {
            throw new ApiException(404, $"adapter '{name}' is not loaded", "not_found_error", "lora_name");
        }
    }

    public IReadOnlyList<(string Name, string Help, double Value)> Metrics() => [("prolora_requests_total", "requests received", 3)];
}
