using Microsoft.Win32.SafeHandles;
using PRoLoRA.Native.Cuda.Interop;

namespace PRoLoRA.Native.Cuda.Handles;

/// <summary>A retained primary context of one device; releasing it calls cuDevicePrimaryCtxRelease.</summary>
internal sealed unsafe class ContextHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    private ContextHandle(int device) : base(ownsHandle: true) => Device = device;

    /// <summary>The device ordinal (CUdevice) the context belongs to.</summary>
    public int Device { get; }

    /// <summary>Retains the primary context of <paramref name="device"/> (cuDevicePrimaryCtxRetain).</summary>
    public static ContextHandle Retain(int device)
    {
        var handle = new ContextHandle(device);
        IntPtr context;
        CudaCheck.Driver(DriverApi.DevicePrimaryCtxRetain(&context, device), "cuDevicePrimaryCtxRetain");
        handle.SetHandle(context);
        return handle;
    }

    /// <summary>Makes the context current on the calling thread (cuCtxSetCurrent); <see cref="ObjectDisposedException"/> once this handle is disposed.</summary>
    public void MakeCurrent()
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        CudaCheck.Driver(DriverApi.CtxSetCurrent(handle), "cuCtxSetCurrent");
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => DriverApi.DevicePrimaryCtxRelease(Device) == 0;
}
