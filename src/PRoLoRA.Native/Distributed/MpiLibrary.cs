using System.Runtime.InteropServices;
using System.Text;
using PRoLoRA.Native.Cuda;

namespace PRoLoRA.Native.Distributed;

/// <summary>
/// Open MPI's libmpi.so.40, found once per process as the CUDA libraries are (the folders of
/// <c>PROLORA_CUDA_LIBRARY_PATH</c>, then the system loader), and its version string.
/// </summary>
internal static unsafe class MpiLibrary
{
    private static readonly Lazy<LibraryProbe> s_probe = new(() => new LibraryProbe(
        "Open MPI (libmpi)",
        "install Open MPI (Debian: apt-get install openmpi-bin libopenmpi3) and launch with mpirun",
        LibrarySearch.Candidates(["libmpi.so.40", "libmpi.so"], useToolkitFolders: false)));

    /// <summary>The probe: every path tried and the one that loaded.</summary>
    public static LibraryProbe Probe => s_probe.Value;

    /// <summary>MPI_Get_library_version up to its first comma ("Open MPI v4.1.4"; callable before MPI_Init), or null when libmpi is missing.</summary>
    public static string? Version
    {
        get
        {
            if (!Probe.Found || !NativeLibrary.TryGetExport(Probe.Handle, "MPI_Get_library_version", out var address))
            {
                return null;
            }
            var text = new byte[8192];
            int length = 0;
            fixed (byte* p = text)
            {
                if (((delegate* unmanaged<byte*, int*, int>)address)(p, &length) != 0)
                {
                    return null;
                }
            }
            var version = Encoding.UTF8.GetString(text, 0, Math.Clamp(length, 0, text.Length)).TrimEnd('\0');
            return version.Split([',', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        }
    }
}
