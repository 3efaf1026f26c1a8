using System.Globalization;

namespace PRoLoRA.Native.Cuda;

/// <summary>What NVRTC compiles for: a real architecture to a cubin (sm_XY) or a virtual one to PTX (compute_XY).</summary>
/// <param name="Arch">Compute capability as major·10 + minor, for example 90.</param>
/// <param name="Cubin">True for a cubin (sm_XY); false for PTX (compute_XY) that the driver JIT-compiles.</param>
internal readonly record struct KernelTarget(int Arch, bool Cubin)
{
    /// <summary>The NVRTC option, for example "--gpu-architecture=sm_90".</summary>
    public string Option => $"--gpu-architecture={this}";

    /// <summary>"sm_90" or "compute_90".</summary>
    public override string ToString() => (Cubin ? "sm_" : "compute_") + Arch.ToString(CultureInfo.InvariantCulture);

    /// <summary>Parses "sm_90", "compute_90" or "90" (a cubin).</summary>
    public static KernelTarget Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        bool cubin = !text.StartsWith("compute_", StringComparison.OrdinalIgnoreCase);
        string digits = text.StartsWith("sm_", StringComparison.OrdinalIgnoreCase) ? text[3..] : cubin ? text : text[8..];
        if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int arch) || arch < 10 || arch > 999)
        {
            throw new ArgumentException($"'{text}' is not an architecture; use sm_XY (for example sm_90) or compute_XY", nameof(text));
        }
        return new KernelTarget(arch, cubin);
    }

    /// <summary>
    /// The target for a device of compute capability <paramref name="arch"/>: its own cubin when NVRTC
    /// knows the architecture (or cannot say), else PTX for the newest architecture NVRTC supports
    /// below it, which the driver JIT-compiles.
    /// </summary>
    /// <param name="arch">The device's compute capability, major·10 + minor.</param>
    /// <param name="supported">NVRTC's supported real architectures (empty when unknown).</param>
    public static KernelTarget ForDevice(int arch, IReadOnlyList<int> supported)
    {
        ArgumentNullException.ThrowIfNull(supported);
        if (supported.Count == 0 || supported.Contains(arch))
        {
            return new KernelTarget(arch, true);
        }
        var older = supported.Where(a => a <= arch).ToList();
        if (older.Count == 0)
        {
            throw new CudaException($"the device (sm_{arch}) is older than every architecture this NVRTC supports ({string.Join(", ", supported.Select(a => $"sm_{a}"))}); use an older CUDA toolkit");
        }
        return new KernelTarget(older.Max(), false);
    }
}
