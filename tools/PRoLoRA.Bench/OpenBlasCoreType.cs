using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace PRoLoRA.Bench;

/// <summary>
/// Makes OpenBLAS run the kernel that matches the CPU. Some OpenBLAS builds misdetect newer CPUs and fall back to
/// a core type without the CPU's widest vectors (Debian's 0.3.21 runs a generic kernel on some AVX-512 Xeons, at a
/// sixth of its speed). OpenBLAS reads OPENBLAS_CORETYPE only when it loads, so when its own choice falls short the
/// benchmark re-runs itself once with the variable set, for its own process only.
/// </summary>
internal static unsafe class OpenBlasCoreType
{
    private const string Variable = "OPENBLAS_CORETYPE";
    private const string Library = "libopenblas.so.0";

    /// <summary>Set in the re-run process: what OpenBLAS chose on its own.</summary>
    private const string DetectedVariable = "PROLORA_OPENBLAS_DETECTED";

    private static readonly string[] Avx512Cores = ["skylakex", "cooperlake", "sapphirerapids"];
    private static readonly string[] Avx2Cores = [.. Avx512Cores, "haswell", "zen", "excavator"];

    /// <summary>
    /// Call first in Main, before anything loads OpenBLAS: when OpenBLAS's own core type lacks the CPU's widest
    /// vectors, runs this program again with OPENBLAS_CORETYPE set and returns its exit code; otherwise null.
    /// </summary>
    public static int? RerunIfMisdetected(string[] args)
    {
        if (Environment.GetEnvironmentVariable(Variable) is not null || !NativeLibrary.TryLoad(Library, out IntPtr handle))
        {
            return null;
        }
        string? detected = CoreName(handle);
        string? wanted = Avx512F.IsSupported ? "SkylakeX" : Avx2.IsSupported ? "Haswell" : null;
        string[] good = Avx512F.IsSupported ? Avx512Cores : Avx2Cores;
        if (detected is null || wanted is null || good.Contains(detected.ToLowerInvariant()))
        {
            return null;
        }
        var info = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            info.ArgumentList.Add(Environment.GetCommandLineArgs()[0]); // dotnet PRoLoRA.Bench.dll
        }
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment[Variable] = wanted;
        info.Environment[DetectedVariable] = detected;
        using var child = Process.Start(info)!;
        child.WaitForExit();
        return child.ExitCode;
    }

    /// <summary>What to print about the core type: OpenBLAS's own choice, or the override and why.</summary>
    public static string Describe(string chosen)
    {
        string? set = Environment.GetEnvironmentVariable(Variable);
        string? detected = Environment.GetEnvironmentVariable(DetectedVariable);
        return set is null ? $"core {chosen} (its own detection)"
            : detected is null ? $"core {chosen} ({Variable}={set} from the environment)"
            : $"core {chosen} ({Variable}={set} set by the benchmark: OpenBLAS detected {detected})";
    }

    /// <summary>openblas_get_corename(): the kernel set OpenBLAS chose.</summary>
    public static string? CoreName(IntPtr handle) => CallString(handle, "openblas_get_corename");

    /// <summary>openblas_get_config(): version and build options.</summary>
    public static string? Config(IntPtr handle) => CallString(handle, "openblas_get_config");

    private static string? CallString(IntPtr handle, string export) =>
        NativeLibrary.TryGetExport(handle, export, out IntPtr f) ? Marshal.PtrToStringAnsi(((delegate* unmanaged<IntPtr>)f)()) : null;
}
