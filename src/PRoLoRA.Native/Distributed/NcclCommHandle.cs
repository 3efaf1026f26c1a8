using Microsoft.Win32.SafeHandles;

namespace PRoLoRA.Native.Distributed;

/// <summary>An NCCL communicator; releasing it calls ncclCommDestroy, or ncclCommAbort after a failed operation.</summary>
internal sealed unsafe class NcclCommHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    private readonly NcclApi _nccl;
    private volatile bool _abort;

    public NcclCommHandle(NcclApi nccl, IntPtr comm) : base(ownsHandle: true)
    {
        _nccl = nccl;
        SetHandle(comm);
    }

    /// <summary>The raw ncclComm_t.</summary>
    public IntPtr Comm => handle;

    /// <summary>Releases with ncclCommAbort (which does not wait for the other ranks) instead of ncclCommDestroy.</summary>
    public void AbortOnRelease() => _abort = true;

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => (_abort ? _nccl.CommAbort(handle) : _nccl.CommDestroy(handle)) == 0;
}
