using PRoLoRA.Native.Tests.Support;
using CudaProbe = PRoLoRA.Native.Cuda.CudaRuntime;

namespace PRoLoRA.Native.Tests.Cuda;

/// <summary>Prerequisites of the CUDA tests.</summary>
internal static class Gpu
{
    /// <summary>Skips the test (fails under PROLORA_REQUIRE_GPU=1) unless a CUDA device is usable.</summary>
    public static void Require()
    {
        var probe = CudaProbe.Probe();
        if (!probe.Available)
        {
            Requirements.Missing(Requirements.GpuVariable, $"no usable CUDA GPU: {probe.Reason}");
        }
    }

    /// <summary>Skips the test (fails under PROLORA_REQUIRE_KERNEL_CHECKS=1) unless NVRTC loads.</summary>
    public static void RequireNvrtc()
    {
        if (!PRoLoRA.Native.Cuda.CudaLibraries.Nvrtc.Found)
        {
            Requirements.Missing(Requirements.KernelChecksVariable, PRoLoRA.Native.Cuda.CudaLibraries.Nvrtc.MissingReason);
        }
    }
}
