namespace PRoLoRA.Bench;

/// <summary>What the numbers were measured on.</summary>
/// <param name="Cpu">CPU model (from /proc/cpuinfo where there is one).</param>
/// <param name="Cores">Logical cores this process may use.</param>
/// <param name="Gpu">The GPU backend's name, or null on the CPU.</param>
/// <param name="Runtime">The .NET runtime and SIMD width.</param>
public sealed record Machine(string Cpu, int Cores, string? Gpu, string Runtime)
{
    /// <summary>This machine; <paramref name="gpu"/> is the GPU backend's name when one is used.</summary>
    public static Machine Describe(string? gpu) => new(CpuModel(), Environment.ProcessorCount, gpu,
        $"{System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, " +
        $"{(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "AVX-512" : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? "AVX2" : "128-bit SIMD")}");

    /// <summary>One line for the console and the README.</summary>
    public override string ToString() => $"{Cpu}, {Cores} cores{(Gpu is null ? "" : $", {Gpu}")}; {Runtime}";

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
