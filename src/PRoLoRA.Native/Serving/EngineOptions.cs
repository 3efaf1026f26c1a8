using PRoLoRA.Native.Text;

namespace PRoLoRA.Native.Serving;

/// <summary>Settings of a <see cref="GenerationEngine"/>.</summary>
/// <param name="EosIds">Ids that end a generation.</param>
/// <param name="Tokenizer">Turns ids into text (text deltas, stop strings); null: ids only.</param>
/// <param name="MaxRunning">The most sequences decoded together.</param>
/// <param name="QueueCapacity">The most requests waiting for a sequence; beyond it submission throws <see cref="EngineQueueFullException"/>.</param>
/// <param name="MaxAdaptersPerBatch">
/// The most distinct adapters among the running sequences (null: no limit beyond the bank's <see cref="AdapterBank.DeviceCapacity"/>);
/// a request for another adapter waits until one finishes. As vLLM's max_loras.
/// </param>
public sealed record EngineOptions(IReadOnlyCollection<int> EosIds, ITokenizer? Tokenizer = null, int MaxRunning = 8, int QueueCapacity = 64, int? MaxAdaptersPerBatch = null);
