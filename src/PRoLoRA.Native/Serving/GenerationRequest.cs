namespace PRoLoRA.Native.Serving;

/// <summary>One generation for a <see cref="GenerationEngine"/>.</summary>
/// <param name="PromptIds">The prompt's token ids (at least one).</param>
/// <param name="Adapter">The bank adapter to run with, or null for the base alone.</param>
/// <param name="MaxTokens">The most tokens to generate.</param>
/// <param name="Temperature">0: greedy; above 0, sampling from softmax(logits / temperature).</param>
/// <param name="TopP">Nucleus sampling mass in (0, 1].</param>
/// <param name="Seed">Seed of this request's own sampler.</param>
/// <param name="Stop">Stop strings (need the engine's tokenizer): generation ends before the first, which is not in the text.</param>
/// <param name="TopLogprobs">Null: no log-probabilities; k ≥ 0: each token's log-probability and the k most likely alternatives.</param>
public sealed record GenerationRequest(
    int[] PromptIds,
    string? Adapter = null,
    int MaxTokens = 64,
    float Temperature = 0f,
    float TopP = 1f,
    int Seed = 0,
    IReadOnlyList<string>? Stop = null,
    int? TopLogprobs = null);
