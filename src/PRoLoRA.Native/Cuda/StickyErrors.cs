namespace PRoLoRA.Native.Cuda;

/// <summary>
/// The CUresults that leave a context unusable ("sticky"): a kernel crashed (illegal address or
/// instruction, misaligned address, device assert, ...) and every later call in that context returns
/// the same error. The context is reset when released (cuDevicePrimaryCtxReset), but on the drivers
/// seen so far the error outlives it: as CUDA's documentation says, only a new process uses the GPU again.
/// </summary>
internal static class StickyErrors
{
    /// <summary>
    /// CUDA_ERROR_ILLEGAL_ADDRESS (700), LAUNCH_TIMEOUT (702), ASSERT (710), HARDWARE_STACK_ERROR (714),
    /// ILLEGAL_INSTRUCTION (715), MISALIGNED_ADDRESS (716), INVALID_ADDRESS_SPACE (717), INVALID_PC (718),
    /// LAUNCH_FAILED (719) and EXTERNAL_DEVICE (911): the errors cuda.h says leave the context unusable.
    /// </summary>
    public static IReadOnlySet<int> Codes { get; } = new HashSet<int> { 700, 702, 710, 714, 715, 716, 717, 718, 719, 911 };

    /// <summary>True when <paramref name="status"/> (a CUresult) is sticky.</summary>
    public static bool Is(int status) => Codes.Contains(status);
}
