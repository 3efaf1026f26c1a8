using System.Runtime.InteropServices;
using PRoLoRA.Native.Cuda.Interop;

namespace PRoLoRA.Native.Cuda;

/// <summary>Turns the status of a driver, NVRTC or cuBLAS call into a <see cref="CudaException"/> that names the call and the error.</summary>
internal static unsafe class CudaCheck
{
    /// <summary>Throws unless <paramref name="status"/> (a CUresult) is CUDA_SUCCESS.</summary>
    public static void Driver(int status, string call, string? detail = null)
    {
        if (status != 0)
        {
            throw new CudaException(call, status, DriverErrorName(status), detail);
        }
    }

    /// <summary>Throws unless <paramref name="status"/> (an nvrtcResult) is NVRTC_SUCCESS.</summary>
    public static void Nvrtc(int status, string call, string? log = null)
    {
        if (status != 0)
        {
            throw new CudaException(call, status, NvrtcErrorName(status), log);
        }
    }

    /// <summary>Throws unless <paramref name="status"/> (a cublasStatus_t) is CUBLAS_STATUS_SUCCESS.</summary>
    public static void Cublas(int status, string call)
    {
        if (status != 0)
        {
            throw new CudaException(call, status, CublasStatusName(status));
        }
    }

    /// <summary>"CUDA_ERROR_OUT_OF_MEMORY: out of memory", from cuGetErrorName and cuGetErrorString.</summary>
    public static string DriverErrorName(int status)
    {
        byte* name = null, text = null;
        if (DriverApi.GetErrorName(status, &name) != 0 || name == null)
        {
            return $"unknown CUresult {status}";
        }
        DriverApi.GetErrorString(status, &text);
        var n = Marshal.PtrToStringUTF8((IntPtr)name);
        return text == null ? n ?? "" : $"{n}: {Marshal.PtrToStringUTF8((IntPtr)text)}";
    }

    /// <summary>nvrtcGetErrorString's name for the result.</summary>
    public static string NvrtcErrorName(int status) => Marshal.PtrToStringUTF8((IntPtr)NvrtcApi.GetErrorString(status)) ?? $"nvrtcResult {status}";

    /// <summary>cublasGetStatusName's name for the status (older cuBLAS lacks it: then the number).</summary>
    public static string CublasStatusName(int status)
    {
        try
        {
            return Marshal.PtrToStringUTF8((IntPtr)CublasApi.GetStatusName(status)) ?? $"cublasStatus_t {status}";
        }
        catch (EntryPointNotFoundException)
        {
            return $"cublasStatus_t {status}";
        }
    }
}
