namespace PRoLoRA.Native.Serving;

/// <summary>A snapshot of a <see cref="GenerationEngine"/>'s counters.</summary>
/// <param name="RequestsSubmitted">Requests accepted so far.</param>
/// <param name="RequestsFinished">Requests finished so far (any reason, errors included).</param>
/// <param name="PromptTokens">Prompt tokens processed so far.</param>
/// <param name="GeneratedTokens">Tokens generated so far.</param>
/// <param name="DecodeSteps">Batched decode forwards run so far (each advances every sequence past its prompt by one token).</param>
/// <param name="Running">Sequences being decoded now.</param>
/// <param name="Waiting">Requests queued for a sequence now.</param>
/// <param name="AdaptersLoaded">Adapters loaded in the bank.</param>
/// <param name="AdapterBytes">Device bytes of the bank's resident adapters.</param>
public sealed record EngineMetrics(long RequestsSubmitted, long RequestsFinished, long PromptTokens, long GeneratedTokens, long DecodeSteps, int Running, int Waiting, int AdaptersLoaded, long AdapterBytes);
