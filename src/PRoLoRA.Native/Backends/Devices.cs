using PRoLoRA.Native.Backends.Cpu;

namespace PRoLoRA.Native.Backends;

/// <summary>Opens a backend by the name users type: "cpu", "cuda" or "cuda:N".</summary>
public static class Devices
{
    /// <summary>The backend for <paramref name="device"/>; throws <see cref="ProLoraException"/> with the reason when it cannot be used.</summary>
    public static IBackend Open(string device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.Equals("cpu", StringComparison.OrdinalIgnoreCase))
        {
            return CpuBackend.Instance;
        }
        throw new ArgumentException($"unknown device '{device}'; use cpu or cuda[:N]", nameof(device));
    }
}
