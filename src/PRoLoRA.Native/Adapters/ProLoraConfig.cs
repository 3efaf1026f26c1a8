namespace PRoLoRA.Native.Adapters;

/// <summary>
/// The configuration of one PRoLoRA linear (docs/method.md). u = r is plain LoRA; u = 0 without
/// rotation is CLoRA; u = 0 with rotation is RoLoRA. Use the factory methods for the named variants.
/// </summary>
public sealed record ProLoraConfig
{
    /// <summary>Input features (columns of the base weight).</summary>
    public required int InFeatures { get; init; }

    /// <summary>Output features (rows of the base weight).</summary>
    public required int OutFeatures { get; init; }

    /// <summary>Rank r.</summary>
    public required int Rank { get; init; }

    /// <summary>Unshared rank u (0 ≤ u ≤ r).</summary>
    public int UnsharedRank { get; init; }

    /// <summary>Sharing rate m of A along <see cref="InFeatures"/>.</summary>
    public int ReduceA { get; init; } = 1;

    /// <summary>Sharing rate n of B along <see cref="OutFeatures"/>.</summary>
    public int ReduceB { get; init; } = 1;

    /// <summary>Rotation enhancement: roll each copy of a chunk along the rank.</summary>
    public bool Rotation { get; init; } = true;

    /// <summary>Override of A's shift (default max(floor((r−u)/m), 1)).</summary>
    public int? ShiftAOverride { get; init; }

    /// <summary>Override of B's shift (default max(floor((r−u)/n), 1)).</summary>
    public int? ShiftBOverride { get; init; }

    /// <summary>lora_alpha.</summary>
    public float LoraAlpha { get; init; } = 16f;

    /// <summary>Scale by alpha/√r instead of alpha/r.</summary>
    public bool UseRsLora { get; init; }

    /// <summary>Dropout probability on the adapter's input.</summary>
    public float Dropout { get; init; }

    /// <summary>Initialisation of the A side.</summary>
    public InitKind Init { get; init; } = InitKind.Rectified;

    /// <summary>Seed of the initialisation and of dropout.</summary>
    public int Seed { get; init; }

    /// <summary>Shared rank rs = r − u.</summary>
    public int SharedRank => Rank - UnsharedRank;

    /// <summary>Width of A's chunk: ceil(in / m).</summary>
    public int ChunkSizeA => CeilDiv(InFeatures, ReduceA);

    /// <summary>Height of B's chunk: ceil(out / n).</summary>
    public int ChunkSizeB => CeilDiv(OutFeatures, ReduceB);

    /// <summary>The roll between consecutive copies of A's chunk (0 without rotation).</summary>
    public int ShiftA => Rotation ? ShiftAOverride ?? Math.Max(SharedRank / ReduceA, 1) : 0;

    /// <summary>The roll between consecutive copies of B's chunk (0 without rotation).</summary>
    public int ShiftB => Rotation ? ShiftBOverride ?? Math.Max(SharedRank / ReduceB, 1) : 0;

    /// <summary>The factor s of ΔW = s·B·A: alpha/r, or alpha/√r with rsLoRA.</summary>
    public float Scaling => UseRsLora ? LoraAlpha / MathF.Sqrt(Rank) : LoraAlpha / Rank;

    /// <summary>Trainable parameters: u·(in + out) + rs·(cs_a + cs_b).</summary>
    public long TrainableParameters => ((long)UnsharedRank * ((long)InFeatures + OutFeatures)) + ((long)SharedRank * ((long)ChunkSizeA + ChunkSizeB));

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public ProLoraConfig Validate()
    {
        Require(InFeatures > 0, nameof(InFeatures), $"in_features must be > 0, got {InFeatures}");
        Require(OutFeatures > 0, nameof(OutFeatures), $"out_features must be > 0, got {OutFeatures}");
        Require(Rank > 0, nameof(Rank), $"rank r must be > 0, got {Rank}");
        Require(UnsharedRank >= 0 && UnsharedRank <= Rank, nameof(UnsharedRank), $"unshared rank u must be in [0, r = {Rank}], got {UnsharedRank}");
        Require(ReduceA > 0 && ReduceA <= InFeatures, nameof(ReduceA), $"sharing rate of A (reduce_a, m) must be in [1, in_features = {InFeatures}], got {ReduceA}");
        Require(ReduceB > 0 && ReduceB <= OutFeatures, nameof(ReduceB), $"sharing rate of B (reduce_b, n) must be in [1, out_features = {OutFeatures}], got {ReduceB}");
        Require(ShiftAOverride is null or >= 0, nameof(ShiftAOverride), $"shift of A must be >= 0, got {ShiftAOverride}");
        Require(ShiftBOverride is null or >= 0, nameof(ShiftBOverride), $"shift of B must be >= 0, got {ShiftBOverride}");
        Require(float.IsFinite(LoraAlpha), nameof(LoraAlpha), $"lora_alpha must be finite, got {LoraAlpha}");
        Require(Dropout >= 0f && Dropout < 1f, nameof(Dropout), $"dropout must be in [0, 1), got {Dropout}");
        return this;
    }

    /// <summary>ceil(a / b) in 64 bits, so in_features near int.MaxValue does not wrap.</summary>
    private static int CeilDiv(int a, int b) => b <= 0 ? 0 : (int)(((long)a + b - 1) / b);

    private static void Require(bool ok, string field, string message)
    {
        if (!ok)
        {
            throw new ArgumentException(message, field);
        }
    }

    /// <summary>PRoLoRA with every knob at the paper's defaults.</summary>
    public static ProLoraConfig ProLora(int inFeatures, int outFeatures, int rank, int unsharedRank, int reduceA, int reduceB, float loraAlpha = 16f)
        => new ProLoraConfig { InFeatures = inFeatures, OutFeatures = outFeatures, Rank = rank, UnsharedRank = unsharedRank, ReduceA = reduceA, ReduceB = reduceB, LoraAlpha = loraAlpha }.Validate();

    /// <summary>Plain LoRA: every rank unshared.</summary>
    public static ProLoraConfig Lora(int inFeatures, int outFeatures, int rank, float loraAlpha = 16f)
        => ProLora(inFeatures, outFeatures, rank, rank, 1, 1, loraAlpha);

    /// <summary>CLoRA: fully shared chunks, no rotation.</summary>
    public static ProLoraConfig CLora(int inFeatures, int outFeatures, int rank, int reduceA, int reduceB, float loraAlpha = 16f)
        => ProLora(inFeatures, outFeatures, rank, 0, reduceA, reduceB, loraAlpha) with { Rotation = false };

    /// <summary>RoLoRA: fully shared chunks with rotation.</summary>
    public static ProLoraConfig RoLora(int inFeatures, int outFeatures, int rank, int reduceA, int reduceB, float loraAlpha = 16f)
        => ProLora(inFeatures, outFeatures, rank, 0, reduceA, reduceB, loraAlpha);
}
