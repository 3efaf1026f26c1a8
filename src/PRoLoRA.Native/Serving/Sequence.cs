using PRoLoRA.Native.Models.Llama;

namespace PRoLoRA.Native.Serving;

/// <summary>The engine's state of one request: its cache, sampler, lease and what it generated so far.</summary>
internal sealed class Sequence(GenerationRequest request, GenerationHandle handle, AdapterLease? lease) : IDisposable
{
    public GenerationRequest Request { get; } = request;

    public GenerationHandle Handle { get; } = handle;

    public AdapterLease? Lease { get; } = lease;

    public GenerationOptions Options { get; } = new(request.MaxTokens, request.Temperature, request.TopP, request.Seed);

    public Random Rng { get; } = new(request.Seed);

    public LlamaCache? Cache { get; set; }

    public List<int> Generated { get; } = [];

    public List<TokenLogprob>? Logprobs { get; } = request.TopLogprobs is null ? null : [];

    /// <summary>Characters of text already streamed.</summary>
    public int Emitted { get; set; }

    /// <summary>The text so far, cut at a stop string once found.</summary>
    public string Text { get; set; } = "";

    public CancellationTokenRegistration Registration { get; set; }

    public int Slot => Lease?.Slot ?? -1;

    public void Dispose()
    {
        Cache?.Dispose();
        Cache = null;
        Lease?.Dispose();
        Registration.Dispose();
    }
}
