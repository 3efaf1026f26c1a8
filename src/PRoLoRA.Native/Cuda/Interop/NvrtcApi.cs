using System.Runtime.InteropServices;

namespace PRoLoRA.Native.Cuda.Interop;

/// <summary>Raw bindings of NVRTC (libnvrtc). Every function but GetErrorString returns an nvrtcResult (0 = success).</summary>
internal static unsafe partial class NvrtcApi
{
    public const int ErrorCompilation = 6;

    static NvrtcApi() => CudaLibraries.RegisterResolver();

    [LibraryImport(LibraryNames.Nvrtc, EntryPoint = "nvrtcGetErrorString")]
    public static partial byte* GetErrorString(int result);

    [LibraryImport(LibraryNames.Nvrtc, EntryPoint = "nvrtcVersion")]
    public static partial int Version(int* major, int* minor);

    /// <summary>Since NVRTC 11.2; older libraries lack it (EntryPointNotFoundException).</summary>
    [LibraryImport(LibraryNames.Nvrtc, EntryPoint = "nvrtcGetNumSupportedArchs")]
    public static partial int GetNumSupportedArchs(int* count);

    /// <summary>Since NVRTC 11.2.</summary>
    [LibraryImport(LibraryNames.Nvrtc, EntryPoint = "nvrtcGetSupportedArchs")]
    public static partial int GetSupportedArchs(int* archs);

    [LibraryImport(LibraryNames.Nvrtc, EntryPoint = "nvrtcCreateProgram")]
    public static partial int CreateProgram(IntPtr* program, byte* source, byte* name, int headerCount, byte** headers, byte** includeNames);

    [LibraryImport(LibraryNames.Nvrtc, EntryPoint = "nvrtcDestroyProgram")]
    public static partial int DestroyProgram(IntPtr* program);

    [LibraryImport(LibraryNames.Nvrtc, EntryPoint = "nvrtcCompileProgram")]
    public static partial int CompileProgram(IntPtr program, int optionCount, byte** options);

    [LibraryImport(LibraryNames.Nvrtc, EntryPoint = "nvrtcGetProgramLogSize")]
    public static partial int GetProgramLogSize(IntPtr program, nuint* size);

    [LibraryImport(LibraryNames.Nvrtc, EntryPoint = "nvrtcGetProgramLog")]
    public static partial int GetProgramLog(IntPtr program, byte* log);

    [LibraryImport(LibraryNames.Nvrtc, EntryPoint = "nvrtcGetPTXSize")]
    public static partial int GetPtxSize(IntPtr program, nuint* size);

    [LibraryImport(LibraryNames.Nvrtc, EntryPoint = "nvrtcGetPTX")]
    public static partial int GetPtx(IntPtr program, byte* ptx);

    [LibraryImport(LibraryNames.Nvrtc, EntryPoint = "nvrtcGetCUBINSize")]
    public static partial int GetCubinSize(IntPtr program, nuint* size);

    [LibraryImport(LibraryNames.Nvrtc, EntryPoint = "nvrtcGetCUBIN")]
    public static partial int GetCubin(IntPtr program, byte* cubin);
}
