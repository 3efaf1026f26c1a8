namespace PRoLoRA.Native.Cuda;

/// <summary>What the driver says about one device.</summary>
/// <param name="Ordinal">Device number, as in "cuda:N".</param>
/// <param name="Name">Marketing name, for example "NVIDIA H200".</param>
/// <param name="Major">Compute capability, major.</param>
/// <param name="Minor">Compute capability, minor.</param>
/// <param name="TotalMemory">Device memory in bytes.</param>
/// <param name="Multiprocessors">Number of SMs.</param>
public sealed record CudaDeviceInfo(int Ordinal, string Name, int Major, int Minor, long TotalMemory, int Multiprocessors)
{
    /// <summary>Compute capability as major·10 + minor, for example 90.</summary>
    public int Arch => (Major * 10) + Minor;

    /// <inheritdoc/>
    public override string ToString() => $"cuda:{Ordinal} {Name} (sm_{Arch}, {TotalMemory / (1024.0 * 1024 * 1024):F1} GiB, {Multiprocessors} SMs)";
}
