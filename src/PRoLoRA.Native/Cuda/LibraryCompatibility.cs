using System.Globalization;
using System.Text.RegularExpressions;

namespace PRoLoRA.Native.Cuda;

/// <summary>
/// Which NVRTC and cuBLAS files the driver can serve: a library of a CUDA major newer than the
/// driver's is skipped (a 12.x driver cannot load what NVRTC 13 compiles, and cuBLAS 13 needs a CUDA 13
/// driver; within one major, newer libraries work with an older driver). A pure function of the
/// driver's version and the candidate's file name.
/// </summary>
internal static partial class LibraryCompatibility
{
    /// <summary>A CUDA version as cuDriverGetVersion gives it (12040) in words ("12.4").</summary>
    public static string Text(int version) => $"{version / 1000}.{version % 1000 / 10}";

    /// <summary>
    /// The CUDA major of a library file (a path or a bare name): libnvrtc.so.13 and libcublas.so.13 → 13,
    /// libnvrtc.so.11.2 → 11, nvrtc64_120_0.dll → 12, cublas64_11.dll → 11; null for an unversioned name (libnvrtc.so).
    /// </summary>
    public static int? MajorOf(string candidate)
    {
        string name = Path.GetFileName(candidate);
        var linux = LinuxName().Match(name);
        if (linux.Success)
        {
            return int.Parse(linux.Groups[1].ValueSpan, CultureInfo.InvariantCulture);
        }
        var nvrtc = WindowsNvrtcName().Match(name);
        if (nvrtc.Success)
        {
            return int.Parse(nvrtc.Groups[1].ValueSpan, CultureInfo.InvariantCulture) / 10;
        }
        var cublas = WindowsCublasName().Match(name);
        return cublas.Success ? int.Parse(cublas.Groups[1].ValueSpan, CultureInfo.InvariantCulture) : null;
    }

    /// <summary>
    /// Why <paramref name="candidate"/> is skipped under a driver of <paramref name="driverVersion"/>
    /// (cuDriverGetVersion, for example 12040), or null to try it: also when there is no driver (0: the
    /// kernels can still be compiled, for example by `prolora doctor --arch`) or the name carries no version.
    /// </summary>
    public static string? SkipReason(int driverVersion, string candidate)
    {
        if (driverVersion <= 0 || MajorOf(candidate) is not int major || major <= driverVersion / 1000)
        {
            return null;
        }
        return $"a CUDA {major} library; the driver supports CUDA {Text(driverVersion)}, and a newer CUDA major needs a newer driver";
    }

    /// <summary>
    /// What a candidate names in fact: a full path's final symbolic-link target (an unversioned
    /// /usr/local/cuda/lib64/libnvrtc.so → libnvrtc.so.13.0.48), so that its version can be read; a bare
    /// name (for the system loader), a plain file or a path that cannot be resolved as it is.
    /// </summary>
    public static string LinkTarget(string candidate)
    {
        if (!Path.IsPathRooted(candidate))
        {
            return candidate;
        }
        try
        {
            return File.ResolveLinkTarget(candidate, returnFinalTarget: true)?.FullName ?? candidate;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return candidate;
        }
    }

    [GeneratedRegex(@"^lib\w+\.so\.(\d+)")]
    private static partial Regex LinuxName();

    [GeneratedRegex(@"^nvrtc64_(\d+)_\d+\.dll$", RegexOptions.IgnoreCase)]
    private static partial Regex WindowsNvrtcName();

    [GeneratedRegex(@"^cublas(?:Lt)?64_(\d+)\.dll$", RegexOptions.IgnoreCase)]
    private static partial Regex WindowsCublasName();
}
