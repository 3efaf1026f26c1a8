using Microsoft.Win32.SafeHandles;
using PRoLoRA.Native.Cuda.Interop;

namespace PRoLoRA.Native.Cuda.Handles;

/// <summary>An nvrtcProgram; released with nvrtcDestroyProgram.</summary>
internal sealed unsafe class NvrtcProgramHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public NvrtcProgramHandle() : base(ownsHandle: true)
    {
    }

    /// <summary>Takes ownership of a program from nvrtcCreateProgram.</summary>
    public void Own(IntPtr program) => SetHandle(program);

    /// <inheritdoc/>
    protected override bool ReleaseHandle()
    {
        IntPtr program = handle;
        return NvrtcApi.DestroyProgram(&program) == 0;
    }
}
