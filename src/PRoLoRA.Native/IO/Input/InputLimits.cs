namespace PRoLoRA.Native.IO.Input;

/// <summary>The most a reader accepts from one input before it allocates anything for it.</summary>
internal static class InputLimits
{
    /// <summary>A JSON config (adapter_config.json and the like): 64 MiB, ten times the largest tokenizer.json we know of.</summary>
    public const long ConfigBytes = 64L << 20;

    /// <summary>A golden file of reference vectors: 1 GiB.</summary>
    public const long GoldenBytes = 1L << 30;

    /// <summary>Nesting of JSON objects and arrays.</summary>
    public const int JsonDepth = 64;

    /// <summary>
    /// How much larger an adapter's materialised A and B (r·(in + out) float32) may be than its stored
    /// tensors: PRoLoRA stores about 1/m of A and 1/n of B, so this allows sharing rates up to 256.
    /// A larger ratio means a config that claims dimensions its weights do not back.
    /// </summary>
    public const double MaterializedExpansion = 256;

    /// <summary>Below this many bytes a materialised adapter is accepted whatever its ratio (small test adapters).</summary>
    public const double MaterializedFloorBytes = 64 << 20;
}
