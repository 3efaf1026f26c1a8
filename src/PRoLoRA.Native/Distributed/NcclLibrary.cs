using System.Runtime.InteropServices;
using PRoLoRA.Native.Cuda;

namespace PRoLoRA.Native.Distributed;

/// <summary>
/// NVIDIA's libnccl.so.2, found once per process as the CUDA libraries are (the folders of
/// <c>PROLORA_CUDA_LIBRARY_PATH</c>, the system loader, the CUDA toolkit and pip's nvidia/nccl/lib),
/// and its version.
/// </summary>
internal static unsafe class NcclLibrary
{
    private static readonly Lazy<LibraryProbe> s_probe = new(() => new LibraryProbe(
        "NCCL (libnccl)",
        "install NCCL (pip nvidia-nccl-cu12, or the libnccl2 package of NVIDIA's repository), or set " + LibrarySearch.PathVariable,
        LibrarySearch.Candidates(["libnccl.so.2", "libnccl.so"], useToolkitFolders: true)));

    /// <summary>The probe: every path tried and the one that loaded.</summary>
    public static LibraryProbe Probe => s_probe.Value;

    /// <summary>ncclGetVersion as "2.21.5", or null when libnccl is missing.</summary>
    public static string? Version
    {
        get
        {
            if (!Probe.Found || !NativeLibrary.TryGetExport(Probe.Handle, "ncclGetVersion", out var address))
            {
                return null;
            }
            int code = 0;
            if (((delegate* unmanaged<int*, int>)address)(&code) != 0)
            {
                return null;
            }
            // NCCL_VERSION_CODE: major*10000 + minor*100 + patch since 2.9 (major*1000 + minor*100 + patch before).
            return code >= 10000 ? $"{code / 10000}.{code / 100 % 100}.{code % 100}" : $"{code / 1000}.{code / 100 % 10}.{code % 100}";
        }
    }
}
