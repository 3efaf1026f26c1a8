namespace PRoLoRA.Native.Adapters;

/// <summary>How the A-side parameters are initialised (B is always zero).</summary>
public enum InitKind
{
    /// <summary>The paper's rectified initialisation: U(−1/√in, 1/√in), the full fan-in.</summary>
    Rectified,

    /// <summary>The ablation's vanilla initialisation: U(−1/√cs_a, 1/√cs_a), the chunk width as fan-in.</summary>
    Vanilla,
}
