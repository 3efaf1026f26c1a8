using System.Text;
using PRoLoRA.Native.Cuda.Interop;

namespace PRoLoRA.Native.Cuda;

/// <summary>
/// Is there a usable NVIDIA GPU? <see cref="Probe"/> answers once per process and never throws:
/// "no GPU" is a normal answer, with the reason (no driver library, cuInit failed, driver too old, no device).
/// </summary>
public static unsafe class CudaRuntime
{
    /// <summary>The oldest driver we accept: CUDA 11.2 (11020), the oldest NVRTC we load.</summary>
    public const int MinimumDriverVersion = 11020;

    private static readonly Lazy<CudaProbeResult> s_probe = new(ProbeNow);

    /// <summary>True when a CUDA device can be used.</summary>
    public static bool IsAvailable => Probe().Available;

    /// <summary>The cached probe of the driver and its devices.</summary>
    public static CudaProbeResult Probe() => s_probe.Value;

    /// <summary>Probes the driver now (not cached); for the probe and for tests.</summary>
    internal static CudaProbeResult ProbeNow()
    {
        int driverVersion = 0;
        try
        {
            if (!CudaLibraries.Driver.Found)
            {
                return Unavailable(CudaLibraries.Driver.MissingReason);
            }
            int status = DriverApi.Init(0);
            if (status != 0)
            {
                return Unavailable($"cuInit failed: {CudaCheck.DriverErrorName(status)} ({status})");
            }
            CudaCheck.Driver(DriverApi.DriverGetVersion(&driverVersion), "cuDriverGetVersion");
            if (driverVersion < MinimumDriverVersion)
            {
                return Unavailable($"the NVIDIA driver supports CUDA {driverVersion / 1000}.{driverVersion % 1000 / 10}; CUDA {MinimumDriverVersion / 1000}.{MinimumDriverVersion % 1000 / 10} or newer is needed (update the driver)", driverVersion);
            }
            int count;
            CudaCheck.Driver(DriverApi.DeviceGetCount(&count), "cuDeviceGetCount");
            if (count == 0)
            {
                return Unavailable("the NVIDIA driver sees no CUDA device", driverVersion);
            }
            var devices = Enumerable.Range(0, count).Select(Describe).ToList();
            return new CudaProbeResult(true, "", driverVersion, devices);
        }
        catch (Exception e)
        {
            return Unavailable($"probing CUDA failed: {e.Message}", driverVersion);
        }
    }

    /// <summary>The driver's description of device <paramref name="ordinal"/>.</summary>
    internal static CudaDeviceInfo Describe(int ordinal)
    {
        int device, major, minor, sms;
        CudaCheck.Driver(DriverApi.DeviceGet(&device, ordinal), "cuDeviceGet");
        byte* name = stackalloc byte[256];
        CudaCheck.Driver(DriverApi.DeviceGetName(name, 256, device), "cuDeviceGetName");
        CudaCheck.Driver(DriverApi.DeviceGetAttribute(&major, DriverApi.AttributeComputeCapabilityMajor, device), "cuDeviceGetAttribute");
        CudaCheck.Driver(DriverApi.DeviceGetAttribute(&minor, DriverApi.AttributeComputeCapabilityMinor, device), "cuDeviceGetAttribute");
        CudaCheck.Driver(DriverApi.DeviceGetAttribute(&sms, DriverApi.AttributeMultiprocessorCount, device), "cuDeviceGetAttribute");
        nuint total;
        CudaCheck.Driver(DriverApi.DeviceTotalMem(&total, device), "cuDeviceTotalMem");
        var text = Encoding.UTF8.GetString(new ReadOnlySpan<byte>(name, 256)).Split('\0')[0];
        return new CudaDeviceInfo(ordinal, text, major, minor, (long)total, sms);
    }

    private static CudaProbeResult Unavailable(string reason, int driverVersion = 0) => new(false, reason, driverVersion, []);
}
