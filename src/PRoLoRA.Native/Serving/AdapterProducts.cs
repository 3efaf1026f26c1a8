namespace PRoLoRA.Native.Serving;

/// <summary>How an <see cref="AdapterBank"/> keeps its adapters and computes their products.</summary>
public enum AdapterProducts
{
    /// <summary>
    /// Only the compact tensors stay resident (an adapter costs its compact bytes). A group of few rows
    /// on the CPU takes the products straight from them; a larger group, or any on a GPU, builds A and B
    /// for the call.
    /// </summary>
    Compact,

    /// <summary>
    /// A and B are built once, when the adapter is added, and kept beside the compact tensors: the way
    /// LoRA servers (Punica, S-LoRA, vLLM) hold adapters. The baseline of the serve benchmark.
    /// </summary>
    Materialised,
}
