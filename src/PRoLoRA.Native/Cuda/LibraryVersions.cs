using PRoLoRA.Native.Cuda.Interop;

namespace PRoLoRA.Native.Cuda;

/// <summary>The versions of the loaded CUDA libraries, for diagnostics; null where a library is missing or cannot say.</summary>
internal static unsafe class LibraryVersions
{
    /// <summary>The CUDA version the driver supports, for example "13.0" (also when cuInit fails).</summary>
    public static string? Driver => CudaLibraries.DriverVersion > 0 ? LibraryCompatibility.Text(CudaLibraries.DriverVersion) : null;

    /// <summary>NVRTC's version, for example "11.8".</summary>
    public static string? Nvrtc => CudaLibraries.Nvrtc.Found ? KernelCompiler.NvrtcVersion : null;

    /// <summary>cuBLAS's version from cublasGetProperty, for example "13.0.2".</summary>
    public static string? Cublas
    {
        get
        {
            if (!CudaLibraries.Cublas.Found)
            {
                return null;
            }
            try
            {
                int major, minor, patch;
                CudaCheck.Cublas(CublasApi.GetProperty(CublasApi.PropertyMajor, &major), "cublasGetProperty");
                CudaCheck.Cublas(CublasApi.GetProperty(CublasApi.PropertyMinor, &minor), "cublasGetProperty");
                CudaCheck.Cublas(CublasApi.GetProperty(CublasApi.PropertyPatch, &patch), "cublasGetProperty");
                return $"{major}.{minor}.{patch}";
            }
            catch (Exception e) when (e is CudaException or EntryPointNotFoundException)
            {
                return null;
            }
        }
    }
}
