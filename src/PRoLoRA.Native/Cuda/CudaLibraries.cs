using System.Reflection;
using System.Runtime.InteropServices;
using PRoLoRA.Native.Cuda.Interop;

namespace PRoLoRA.Native.Cuda;

/// <summary>
/// The three CUDA libraries we use, found once per process (see <see cref="LibrarySearch"/> for
/// where), and the import resolver that points our <c>[LibraryImport]</c> names at them. NVRTC and
/// cuBLAS of a CUDA major newer than the driver's are skipped (<see cref="LibraryCompatibility"/>).
/// </summary>
internal static unsafe class CudaLibraries
{
    private static readonly Lazy<LibraryProbe> s_driver = new(() => new LibraryProbe(
        "CUDA driver (libcuda)",
        "install the NVIDIA driver (it provides libcuda.so.1)",
        LibrarySearch.Candidates(OperatingSystem.IsWindows() ? ["nvcuda.dll"] : ["libcuda.so.1", "libcuda.so"], useToolkitFolders: false)));

    private static readonly Lazy<LibraryProbe> s_nvrtc = new(() => new LibraryProbe(
        "NVRTC (libnvrtc)",
        "install the CUDA toolkit's NVRTC (pip nvidia-cuda-nvrtc, the cuda-nvrtc package, or Debian's libnvrtc11.2), or set " + LibrarySearch.PathVariable,
        LibrarySearch.Candidates(
            OperatingSystem.IsWindows() ? ["nvrtc64_130_0.dll", "nvrtc64_120_0.dll", "nvrtc64_112_0.dll"] : ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so"],
            useToolkitFolders: true,
            _ => ["libnvrtc-builtins.so*"]),
        SkipTooNew));

    private static readonly Lazy<LibraryProbe> s_cublas = new(() => new LibraryProbe(
        "cuBLAS (libcublas)",
        "install cuBLAS (pip nvidia-cublas, or the CUDA toolkit's libcublas), or set " + LibrarySearch.PathVariable,
        LibrarySearch.Candidates(
            OperatingSystem.IsWindows() ? ["cublas64_13.dll", "cublas64_12.dll", "cublas64_11.dll"] : ["libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so"],
            useToolkitFolders: true,
            name => [name.Replace("libcublas", "libcublasLt", StringComparison.Ordinal)]),
        SkipTooNew));

    private static readonly Lazy<int> s_driverVersion = new(QueryDriverVersion);

    private static readonly Lock s_gate = new();
    private static bool s_registered;

    /// <summary>The CUDA driver library.</summary>
    public static LibraryProbe Driver => s_driver.Value;

    /// <summary>The NVRTC runtime compiler.</summary>
    public static LibraryProbe Nvrtc => s_nvrtc.Value;

    /// <summary>cuBLAS.</summary>
    public static LibraryProbe Cublas => s_cublas.Value;

    /// <summary>The CUDA version the driver supports (cuDriverGetVersion, which needs no cuInit; for example 12040), or 0 without a driver.</summary>
    public static int DriverVersion => s_driverVersion.Value;

    /// <summary>The folders searched besides the system loader: the override folders, then the toolkit and pip folders.</summary>
    public static IReadOnlyList<string> SearchFolders => [.. LibrarySearch.OverrideFolders(), .. LibrarySearch.ToolkitFolders()];

    /// <summary>Installs the resolver for this assembly's CUDA imports (once; the bindings' static constructors call it).</summary>
    internal static void RegisterResolver()
    {
        lock (s_gate)
        {
            if (!s_registered)
            {
                NativeLibrary.SetDllImportResolver(typeof(CudaLibraries).Assembly, Resolve);
                s_registered = true;
            }
        }
    }

    private static string? SkipTooNew(string candidate)
    {
        string target = LibraryCompatibility.LinkTarget(candidate);
        string? reason = LibraryCompatibility.SkipReason(DriverVersion, target);
        return reason is null || target == candidate ? reason : $"links to {Path.GetFileName(target)}, {reason}";
    }

    private static int QueryDriverVersion()
    {
        if (!Driver.Found)
        {
            return 0;
        }
        int version;
        return DriverApi.DriverGetVersion(&version) == 0 ? version : 0;
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) => name switch
    {
        LibraryNames.Driver => Driver.Handle,
        LibraryNames.Nvrtc => Nvrtc.Handle,
        LibraryNames.Cublas => Cublas.Handle,
        _ => IntPtr.Zero,
    };
}
