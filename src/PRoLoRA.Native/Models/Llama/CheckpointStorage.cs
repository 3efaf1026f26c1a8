namespace PRoLoRA.Native.Models.Llama;

/// <summary>How <see cref="LlamaCheckpointQuantizer"/> stores a checkpoint's weights.</summary>
public enum CheckpointStorage
{
    /// <summary>The linears of every layer as bitsandbytes NF4 (transformers' pre-quantised 4-bit layout); the rest as they were.</summary>
    Nf4,

    /// <summary>Every float tensor as bfloat16.</summary>
    BFloat16,
}
