namespace PRoLoRA.Native.Cuda;

/// <summary>Whether a CUDA GPU can be used here, and if not, why.</summary>
/// <param name="Available">True when the driver loaded, initialised, is recent enough and sees a device.</param>
/// <param name="Reason">Why not (empty when available).</param>
/// <param name="DriverVersion">cuDriverGetVersion, for example 13000 for CUDA 13.0 (0 when unknown).</param>
/// <param name="Devices">The devices the driver sees.</param>
public sealed record CudaProbeResult(bool Available, string Reason, int DriverVersion, IReadOnlyList<CudaDeviceInfo> Devices)
{
    /// <summary>The driver's CUDA version as "13.0" (empty when unknown).</summary>
    public string DriverVersionText => DriverVersion <= 0 ? "" : $"{DriverVersion / 1000}.{DriverVersion % 1000 / 10}";
}
