using System.Runtime.CompilerServices;
using PRoLoRA.Native.Serving;
using PRoLoRA.Native.Text;

namespace PRoLoRA.Cli.Serving;

/// <summary>
/// <see cref="ICompletionService"/> over the library's <see cref="GenerationEngine"/> (continuous
/// batching over an adapter bank): OpenAI's request mapped to a generation, the engine's refusals
/// to HTTP statuses, its deltas to events, its metrics to Prometheus names.
/// </summary>
public sealed class EngineCompletionService(GenerationEngine engine, ITokenizer tokenizer, string baseModelId, int maxLoaded) : ICompletionService
{
    /// <inheritdoc/>
    public string BaseModelId { get; } = baseModelId;

    /// <inheritdoc/>
    public IReadOnlyList<string> Adapters => [.. engine.Bank.Adapters.Where(a => !a.Unloading).Select(a => a.Name)];

    /// <inheritdoc/>
    public ITokenizer Tokenizer { get; } = tokenizer;

    /// <inheritdoc/>
    public async IAsyncEnumerable<CompletionEvent> Complete(CompletionRequest request, [EnumeratorCancellation] CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(request);
        string? adapter = request.Model == BaseModelId ? null : request.Model;
        if (adapter is not null && !engine.Bank.Contains(adapter))
        {
            throw new ApiException(404, $"model '{request.Model}' does not exist: the models are {string.Join(", ", Adapters.Prepend(BaseModelId))}", "not_found_error", "model");
        }
        var ids = request.PromptIds ?? Tokenizer.Encode(request.PromptText!);
        var config = engine.Bank.Model.Config;
        int bad = Array.FindIndex(ids, id => id >= config.VocabularySize);
        if (bad >= 0)
        {
            throw ApiException.BadRequest($"prompt[{bad}] is token {ids[bad]}, outside the vocabulary [0, {config.VocabularySize})", "prompt");
        }
        if (ids.Length == 0)
        {
            throw ApiException.BadRequest("the prompt has no token", "prompt");
        }
        if (ids.Length + request.MaxTokens > config.MaxPositions)
        {
            throw ApiException.BadRequest($"the prompt's {ids.Length} tokens and max_tokens {request.MaxTokens} exceed the model's {config.MaxPositions} positions", ids.Length >= config.MaxPositions ? "prompt" : "max_tokens");
        }
        GenerationHandle handle;
        try
        {
            handle = engine.Submit(new GenerationRequest(ids, adapter, request.MaxTokens, request.Temperature, request.TopP, request.Seed ?? Random.Shared.Next(), request.Stop, request.Logprobs), cancel);
        }
        catch (UnknownAdapterException)
        {
            throw new ApiException(404, $"model '{request.Model}' does not exist", "not_found_error", "model");
        }
        catch (EngineQueueFullException e)
        {
            throw new ApiException(429, $"the queue is full ({e.Capacity} waiting requests): retry later", "rate_limit_error");
        }
        await foreach (var delta in handle.StreamAsync(cancel))
        {
            yield return new CompletionEvent(delta.Text, delta.Logprob is { } l ? Logprob(l) : null, null, null);
        }
        var result = await handle.Completion.WaitAsync(cancel);
        string finish = result.Reason == FinishReason.Length ? "length" : "stop";
        yield return new CompletionEvent("", null, finish, new CompletionUsage(result.Usage.PromptTokens, result.Usage.CompletionTokens));
    }

    /// <inheritdoc/>
    public void LoadAdapter(string name, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name == BaseModelId || engine.Bank.Contains(name))
        {
            throw ApiException.BadRequest($"a model named '{name}' is already loaded", "lora_name");
        }
        if (Adapters.Count >= maxLoaded)
        {
            throw ApiException.BadRequest($"{maxLoaded} adapters are loaded, the most this server holds (--max-cpu-loras): unload one first", "lora_name");
        }
        try
        {
            engine.Bank.Load(name, path);
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw ApiException.BadRequest(Cli.Message(e), "lora_path");
        }
    }

    /// <inheritdoc/>
    public void UnloadAdapter(string name)
    {
        if (!engine.Bank.Unload(name))
        {
            throw new ApiException(404, $"adapter '{name}' is not loaded", "not_found_error", "lora_name");
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<(string Name, string Help, double Value)> Metrics()
    {
        var m = engine.Metrics;
        return
        [
            ("prolora_requests_total", "requests accepted", m.RequestsSubmitted),
            ("prolora_requests_finished_total", "requests finished", m.RequestsFinished),
            ("prolora_prompt_tokens_total", "prompt tokens read", m.PromptTokens),
            ("prolora_generated_tokens_total", "tokens generated", m.GeneratedTokens),
            ("prolora_running_sequences", "sequences decoding now", m.Running),
            ("prolora_waiting_sequences", "requests waiting for a slot", m.Waiting),
            ("prolora_adapters_loaded", "adapters in the bank", m.AdaptersLoaded),
            ("prolora_adapter_bytes", "bytes of the loaded adapters on the device (their compact tensors), swapped out or not", engine.Bank.Adapters.Sum(a => a.Bytes)),
            ("prolora_adapter_device_bytes", "bytes of the adapters on the device now", m.AdapterBytes),
            ("prolora_adapter_swap_ins_total", "adapters copied from host memory to the device", engine.Bank.SwapIns),
        ];
    }

    private CompletionLogprob Logprob(global::PRoLoRA.Native.Serving.TokenLogprob l)
        => new(Text(l.TokenId), l.Logprob, [.. l.Top.Select(t => new KeyValuePair<string, float>(Text(t.TokenId), t.Logprob))]);

    private string Text(int id) => Tokenizer.Decode([id], skipSpecial: false);
}
