namespace PRoLoRA.Bench;

/// <summary>One measured line of the report.</summary>
/// <param name="Group">kernels, gemm, layer, compact, peers or model.</param>
/// <param name="Name">What was timed, e.g. "prolora fwd+bwd" or "A forward".</param>
/// <param name="Shape">The sizes, e.g. "in=4096 out=4096 N=2048".</param>
/// <param name="Stats">Median, min and max milliseconds.</param>
/// <param name="Gflops">Useful GFLOP/s at the median, where it applies.</param>
/// <param name="Gbps">Effective bandwidth (bytes moved / median time) in GB/s, where it applies.</param>
/// <param name="Fraction">
/// Kernels: <paramref name="Gbps"/> over the copy bandwidth measured in the same run. GPU GEMM: the best
/// cuBLAS formulation's time over ours (1 = as fast as the best).
/// </param>
/// <param name="TokensPerSecond">Tokens a second at the median (the model group), where it applies.</param>
public sealed record Measurement(string Group, string Name, string Shape, Stats Stats, double? Gflops = null, double? Gbps = null, double? Fraction = null,
    double? TokensPerSecond = null);
