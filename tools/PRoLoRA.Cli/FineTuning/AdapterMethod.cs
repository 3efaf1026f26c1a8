using PRoLoRA.Native.Adapters;

namespace PRoLoRA.Cli.FineTuning;

/// <summary>A named way to adapt every target linear of a model: how each linear's adapter is configured.</summary>
/// <param name="Name">Short name, also the adapter's folder name ("lora", "prolora").</param>
/// <param name="Rank">Rank r of every adapter.</param>
/// <param name="Settings">The knobs in words, e.g. "r=8, u=1, m=n=7".</param>
/// <param name="Configure">The adapter's config for one linear.</param>
public sealed record AdapterMethod(string Name, int Rank, string Settings, Func<ModuleShape, ProLoraConfig> Configure)
{
    /// <summary>Plain LoRA of rank <paramref name="rank"/>.</summary>
    public static AdapterMethod Lora(int rank, float loraAlpha = 16f, float dropout = 0f)
        => new("lora", rank, $"r={rank}", m => ProLoraConfig.Lora(m.InFeatures, m.OutFeatures, rank, loraAlpha) with { Dropout = dropout });

    /// <summary>PRoLoRA of rank <paramref name="rank"/>, <paramref name="unsharedRank"/> unshared ranks and sharing rates <paramref name="reduceA"/> (A) and <paramref name="reduceB"/> (B).</summary>
    public static AdapterMethod ProLora(int rank, int unsharedRank, int reduceA, int reduceB, float loraAlpha = 16f, float dropout = 0f, InitKind init = InitKind.Rectified)
    {
        var sharing = reduceA == reduceB ? $"m=n={reduceA}" : $"m={reduceA}, n={reduceB}";
        return new("prolora", rank, $"r={rank}, u={unsharedRank}, {sharing}", m => ProLoraConfig.ProLora(m.InFeatures, m.OutFeatures, rank, unsharedRank, reduceA, reduceB, loraAlpha) with { Dropout = dropout, Init = init });
    }

    /// <summary>
    /// The paper's equal-budget pair (Tables 1–2): LoRA r=2 against PRoLoRA r=8, u=1, m=n=7; on linears
    /// whose widths are multiples of 7 the two train exactly the same number of parameters.
    /// </summary>
    public static IReadOnlyList<AdapterMethod> EqualBudgetPair { get; } = [ProLora(8, 1, 7, 7), Lora(2)];

    /// <summary>"prolora (r=8, u=1, m=n=7)".</summary>
    public override string ToString() => $"{Name} ({Settings})";

    /// <summary>Trainable parameters over <paramref name="linears"/>.</summary>
    public long TrainableParameters(IEnumerable<ModuleShape> linears)
    {
        ArgumentNullException.ThrowIfNull(linears);
        return linears.Sum(m => Configure(m).TrainableParameters);
    }
}
