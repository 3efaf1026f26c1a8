namespace PRoLoRA.Native.Text;

/// <summary>The most a tokenizer file may hold before it is refused as implausible.</summary>
internal static class TokenizerLimits
{
    /// <summary>The largest token id: 2^24 − 1, a hundred times the largest vocabularies in use.</summary>
    public const int MaxId = (1 << 24) - 1;

    /// <summary>A tokenizer.model (SentencePiece protobuf): 64 MiB; Llama 2's is 0.5 MB, Gemma's 4 MB.</summary>
    public const long ModelBytes = 64L << 20;
}
