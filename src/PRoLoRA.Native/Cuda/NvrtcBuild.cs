using System.Globalization;

namespace PRoLoRA.Native.Cuda;

/// <summary>
/// Which NVRTC build compiles the kernels. nvrtcVersion gives only major.minor, and two builds of
/// one major.minor (11.8.86 and 11.8.89, or two pip wheels' libnvrtc.so.12) may emit different
/// code, so the loaded library file's real name and size stand in for the build number.
/// </summary>
/// <param name="Major">nvrtcVersion's major.</param>
/// <param name="Minor">nvrtcVersion's minor.</param>
/// <param name="FileName">The loaded library's file name, links resolved (for example "libnvrtc.so.11.8.89"); "unknown" when it cannot be found.</param>
/// <param name="FileSize">Its size in bytes; -1 when unknown.</param>
internal sealed record NvrtcBuild(int Major, int Minor, string FileName, long FileSize)
{
    private static readonly Lazy<NvrtcBuild> s_current = new(() =>
    {
        var (major, minor) = Nvrtc.Version;
        var file = LoadedLibraryFile.Of(CudaLibraries.Nvrtc.Handle, "nvrtcVersion", CudaLibraries.Nvrtc.FoundPath);
        return new NvrtcBuild(major, minor, file?.Name ?? "unknown", file?.Length ?? -1);
    });

    /// <summary>The loaded NVRTC (throws <see cref="CudaException"/> when it is missing).</summary>
    public static NvrtcBuild Current => s_current.Value;

    /// <summary>For example "11.8 (libnvrtc.so.11.8.89, 54409816 bytes)".</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Major}.{Minor} ({FileName}, {FileSize} bytes)");
}
