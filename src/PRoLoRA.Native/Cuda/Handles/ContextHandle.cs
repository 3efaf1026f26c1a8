using Microsoft.Win32.SafeHandles;
using PRoLoRA.Native.Cuda.Interop;

namespace PRoLoRA.Native.Cuda.Handles;

/// <summary>
/// A retained primary context of one device; releasing it calls cuDevicePrimaryCtxRelease (after
/// cuDevicePrimaryCtxReset when <see cref="ResetOnRelease"/> asked for it). It is released only once
/// every handle bound to it (<see cref="ContextBoundHandle"/>) is.
/// </summary>
internal sealed unsafe class ContextHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    private volatile bool _reset;

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

    /// <summary>
    /// Resets the primary context when this handle is released: everything in it is destroyed, for
    /// every user of the device in this process, and the next retain starts a clean context. For a
    /// context that a sticky error (<see cref="StickyErrors"/>) left unusable, where every other user
    /// fails anyway; without the reset the release alone would not destroy it while the CUDA runtime
    /// (under cuBLAS) still holds it.
    /// </summary>
    public void ResetOnRelease() => _reset = true;

    /// <inheritdoc/>
    protected override bool ReleaseHandle()
    {
        bool reset = !_reset || DriverApi.DevicePrimaryCtxReset(Device) == 0;
        return DriverApi.DevicePrimaryCtxRelease(Device) == 0 && reset;
    }
}
