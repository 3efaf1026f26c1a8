namespace PRoLoRA.Native.Serving;

/// <summary>A request was refused because the engine's waiting queue is full (retry later).</summary>
public sealed class EngineQueueFullException(int capacity)
    : InvalidOperationException($"the generation queue is full ({capacity} requests waiting)")
{
    /// <summary>The queue's capacity.</summary>
    public int Capacity { get; } = capacity;
}
