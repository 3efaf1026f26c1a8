namespace PRoLoRA.Native.Cuda.Interop;

/// <summary>
/// The names our <c>[LibraryImport]</c> declarations use. They match no real file: the resolver in
/// <see cref="CudaLibraries"/> maps each to the library that discovery found.
/// </summary>
internal static class LibraryNames
{
    public const string Driver = "prolora-cuda-driver";
    public const string Nvrtc = "prolora-cuda-nvrtc";
    public const string Cublas = "prolora-cuda-cublas";
}
