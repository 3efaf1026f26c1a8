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
        int status = DriverApi.DevicePrimaryCtxRetain(&context, device);
        // On real drivers (seen on an H200, driver 580) a sticky error outlives the reset of the primary
        // context: CUDA's documentation says the process must end before CUDA works again.
        CudaCheck.Driver(status, "cuDevicePrimaryCtxRetain", StickyErrors.Is(status)
            ? $"a crashed kernel (a sticky error) left CUDA unusable for device {device} in this process; restart the process to use the GPU again"
            : null);
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
