using System.Globalization;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Backends.Cuda;
using PRoLoRA.Native.Cuda;

namespace PRoLoRA.Native.Backends;

/// <summary>
/// Opens a backend by the name users type: "cpu", "cuda" or "cuda:N". The caller owns what it
/// opened and disposes it (<c>using var backend = Devices.Open("cuda")</c>), whichever kind it is.
/// </summary>
public static class Devices
{
    /// <summary>A new backend for <paramref name="device"/>; throws <see cref="ProLoraException"/> with the reason when it cannot be used.</summary>
    public static IBackend Open(string device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.Equals("cpu", StringComparison.OrdinalIgnoreCase))
        {
            return new CpuBackend();
        }
        if (device.Equals("cuda", StringComparison.OrdinalIgnoreCase))
        {
            return Gpu(0);
        }
        if (device.StartsWith("cuda:", StringComparison.OrdinalIgnoreCase))
        {
            if (!int.TryParse(device.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int ordinal))
            {
                throw new ArgumentException($"'{device}' is not a CUDA device; use cuda or cuda:N with N a device number", nameof(device));
            }
            return Gpu(ordinal);
        }
        throw new ArgumentException($"unknown device '{device}'; use cpu or cuda[:N]", nameof(device));
    }

    /// <summary>The GPU backend, or a <see cref="ProLoraException"/> with the probe's reason (no driver, no device, ...).</summary>
    private static CudaBackend Gpu(int ordinal)
    {
        var probe = CudaRuntime.Probe();
        if (!probe.Available)
        {
            throw new ProLoraException($"cuda:{ordinal} cannot be used: {probe.Reason}");
        }
        return CudaBackend.Open(ordinal);
    }
}
