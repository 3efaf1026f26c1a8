namespace PRoLoRA.Bench;

/// <summary>What the numbers were measured on.</summary>
/// <param name="Cpu">CPU model (from /proc/cpuinfo where there is one).</param>
/// <param name="Cores">Logical cores this process may use.</param>
/// <param name="Gpu">The GPU backend's name, or null on the CPU.</param>
/// <param name="Runtime">The .NET runtime and SIMD width.</param>
/// <param name="Isa">The CPU's widest vector instructions (AVX-512, AVX2), whether or not .NET uses them.</param>
/// <param name="Blas">Each BLAS the gemm group compares with, as it resolved (name, version, file), or "none found".</param>
public sealed record Machine(string Cpu, int Cores, string? Gpu, string Runtime, string Isa, string Blas)
{
    /// <summary>This machine; <paramref name="gpu"/> is the GPU backend's name when one is used.</summary>
    public static Machine Describe(string? gpu) => new(CpuModel(), Environment.ProcessorCount, gpu,
        $"{System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, " +
        $"{(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "AVX-512" : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? "AVX2" : "128-bit SIMD")}",
        System.Runtime.Intrinsics.X86.Avx512F.IsSupported ? "AVX-512" : System.Runtime.Intrinsics.X86.Avx2.IsSupported ? "AVX2" : "no AVX2",
        CblasLibrary.All().Present is { Count: > 0 } blas ? string.Join("; ", blas) : "none found");

    /// <summary>One line for the console and the README.</summary>
    public override string ToString() => $"{Cpu} ({Isa}), {Cores} cores{(Gpu is null ? "" : $", {Gpu}")}; {Runtime}; BLAS: {Blas}";

    private static string CpuModel()
    {
        const string cpuinfo = "/proc/cpuinfo";
        if (File.Exists(cpuinfo))
        {
            foreach (string line in File.ReadLines(cpuinfo))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':') is int colon and >= 0)
                {
                    return line[(colon + 1)..].Trim();
                }
            }
        }
        return System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
    }
}
