using System.Runtime.InteropServices;

namespace PRoLoRA.Native.Distributed;

/// <summary>NCCL's 128-byte ncclUniqueId, passed by value to ncclCommInitRank.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NcclUniqueId
{
    /// <summary>NCCL_UNIQUE_ID_BYTES.</summary>
    public const int Size = 128;

    /// <summary>The opaque bytes.</summary>
    public fixed byte Bytes[Size];
}

/// <summary>
/// The NCCL calls we use, bound from libnccl by name. Every call returns an ncclResult_t: 0 success,
/// 7 in progress; <see cref="ErrorString"/> describes the others.
/// </summary>
internal sealed unsafe class NcclApi
{
    /// <summary>ncclFloat32.</summary>
    public const int Float32 = 7;

    /// <summary>ncclSum.</summary>
    public const int Sum = 0;

    /// <summary>ncclInProgress.</summary>
    public const int InProgress = 7;

    /// <summary>ncclGetUniqueId(ncclUniqueId*).</summary>
    public readonly delegate* unmanaged<NcclUniqueId*, int> GetUniqueId;

    /// <summary>ncclCommInitRank(ncclComm_t*, int nranks, ncclUniqueId, int rank).</summary>
    public readonly delegate* unmanaged<IntPtr*, int, NcclUniqueId, int, int> CommInitRank;

    /// <summary>ncclAllReduce(const void*, void*, size_t count, ncclDataType_t, ncclRedOp_t, ncclComm_t, cudaStream_t).</summary>
    public readonly delegate* unmanaged<IntPtr, IntPtr, nuint, int, int, IntPtr, IntPtr, int> AllReduce;

    /// <summary>ncclBroadcast(const void*, void*, size_t count, ncclDataType_t, int root, ncclComm_t, cudaStream_t).</summary>
    public readonly delegate* unmanaged<IntPtr, IntPtr, nuint, int, int, IntPtr, IntPtr, int> Broadcast;

    /// <summary>ncclCommDestroy(ncclComm_t).</summary>
    public readonly delegate* unmanaged<IntPtr, int> CommDestroy;

    /// <summary>ncclCommAbort(ncclComm_t).</summary>
    public readonly delegate* unmanaged<IntPtr, int> CommAbort;

    /// <summary>ncclCommGetAsyncError(ncclComm_t, ncclResult_t*).</summary>
    public readonly delegate* unmanaged<IntPtr, int*, int> CommGetAsyncError;

    /// <summary>const char* ncclGetErrorString(ncclResult_t).</summary>
    public readonly delegate* unmanaged<int, byte*> GetErrorString;

    private NcclApi(IntPtr library, string path)
    {
        IntPtr Bind(string name) => NativeLibrary.TryGetExport(library, name, out var address)
            ? address
            : throw new CollectiveException($"{path} has no '{name}': NCCL 2.4 or newer is needed");
        GetUniqueId = (delegate* unmanaged<NcclUniqueId*, int>)Bind("ncclGetUniqueId");
        CommInitRank = (delegate* unmanaged<IntPtr*, int, NcclUniqueId, int, int>)Bind("ncclCommInitRank");
        AllReduce = (delegate* unmanaged<IntPtr, IntPtr, nuint, int, int, IntPtr, IntPtr, int>)Bind("ncclAllReduce");
        Broadcast = (delegate* unmanaged<IntPtr, IntPtr, nuint, int, int, IntPtr, IntPtr, int>)Bind("ncclBroadcast");
        CommDestroy = (delegate* unmanaged<IntPtr, int>)Bind("ncclCommDestroy");
        CommAbort = (delegate* unmanaged<IntPtr, int>)Bind("ncclCommAbort");
        CommGetAsyncError = (delegate* unmanaged<IntPtr, int*, int>)Bind("ncclCommGetAsyncError");
        GetErrorString = (delegate* unmanaged<int, byte*>)Bind("ncclGetErrorString");
    }

    /// <summary>Binds libnccl, or throws a <see cref="CollectiveException"/> saying what was tried and what to install.</summary>
    public static NcclApi Load()
    {
        var probe = NcclLibrary.Probe;
        if (!probe.Found)
        {
            throw new CollectiveException(probe.MissingReason);
        }
        return new NcclApi(probe.Handle, probe.FoundPath!);
    }

    /// <summary>Throws a <see cref="CollectiveException"/> naming <paramref name="call"/> and NCCL's words unless <paramref name="status"/> is success.</summary>
    public void Check(int status, string call)
    {
        if (status != 0)
        {
            throw new CollectiveException($"{call} failed: {ErrorString(status)}");
        }
    }

    /// <summary>NCCL's description of <paramref name="status"/>.</summary>
    public string ErrorString(int status) => Marshal.PtrToStringUTF8((IntPtr)GetErrorString(status)) ?? $"ncclResult_t {status}";
}
