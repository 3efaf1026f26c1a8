using Microsoft.Win32.SafeHandles;
using PRoLoRA.Native.Cuda.Interop;

namespace PRoLoRA.Native.Cuda.Handles;

/// <summary>
/// A driver object that belongs to a context (module, stream, event, memory). It keeps the context
/// alive until it is released, and makes the context current before releasing, since a finalizer
/// runs on a thread where no context is current.
/// </summary>
internal abstract class ContextBoundHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    private readonly ContextHandle _context;
    private bool _contextRef;

    protected ContextBoundHandle(ContextHandle context) : base(ownsHandle: true)
    {
        _context = context;
        _context.DangerousAddRef(ref _contextRef);
    }

    /// <summary>Stores the native handle once the create call succeeded.</summary>
    protected void Set(IntPtr value) => SetHandle(value);

    /// <inheritdoc/>
    protected sealed override bool ReleaseHandle()
    {
        bool ok = DriverApi.CtxSetCurrent(_context.DangerousGetHandle()) == 0 && Release(handle);
        if (_contextRef)
        {
            _context.DangerousRelease();
        }
        return ok;
    }

    /// <summary>Destroys the native object; true on success.</summary>
    protected abstract bool Release(IntPtr value);

    /// <summary>Drops the context reference when the create call failed.</summary>
    protected void Abandon()
    {
        if (_contextRef)
        {
            _context.DangerousRelease();
            _contextRef = false;
        }
        SetHandleAsInvalid();
    }
}
