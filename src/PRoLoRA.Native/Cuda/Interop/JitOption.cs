namespace PRoLoRA.Native.Cuda.Interop;

/// <summary>The CUjit_option values we pass to cuModuleLoadDataEx.</summary>
internal static class JitOption
{
    public const int InfoLogBuffer = 3;
    public const int InfoLogBufferSizeBytes = 4;
    public const int ErrorLogBuffer = 5;
    public const int ErrorLogBufferSizeBytes = 6;
    public const int LogVerbose = 12;
}
