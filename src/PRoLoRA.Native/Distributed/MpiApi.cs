using System.Runtime.InteropServices;

namespace PRoLoRA.Native.Distributed;

/// <summary>
/// The MPI calls we use, bound from Open MPI's libmpi by name. Open MPI's handles (MPI_Comm,
/// MPI_Datatype, MPI_Op) are the addresses of its global objects (<c>ompi_mpi_comm_world</c>, ...),
/// MPI_IN_PLACE is (void*)1 and MPI_STATUS_IGNORE is null. Every call returns MPI_SUCCESS (0) or an error code.
/// </summary>
internal sealed unsafe class MpiApi
{
    /// <summary>MPI_THREAD_SERIALIZED: any thread may call, one at a time (.NET may resume on another thread).</summary>
    public const int ThreadSerialized = 2;

    /// <summary>MPI_IN_PLACE in Open MPI.</summary>
    public static readonly void* InPlace = (void*)1;

    /// <summary>MPI_Initialized(int* flag).</summary>
    public readonly delegate* unmanaged<int*, int> Initialized;

    /// <summary>MPI_Finalized(int* flag).</summary>
    public readonly delegate* unmanaged<int*, int> Finalized;

    /// <summary>MPI_Init_thread(int* argc, char*** argv, int required, int* provided).</summary>
    public readonly delegate* unmanaged<int*, byte***, int, int*, int> InitThread;

    /// <summary>MPI_Finalize().</summary>
    public readonly delegate* unmanaged<int> Finalize;

    /// <summary>MPI_Comm_rank(MPI_Comm, int*).</summary>
    public readonly delegate* unmanaged<IntPtr, int*, int> CommRank;

    /// <summary>MPI_Comm_size(MPI_Comm, int*).</summary>
    public readonly delegate* unmanaged<IntPtr, int*, int> CommSize;

    /// <summary>MPI_Iallreduce(const void* send, void* receive, int count, MPI_Datatype, MPI_Op, MPI_Comm, MPI_Request*).</summary>
    public readonly delegate* unmanaged<void*, void*, int, IntPtr, IntPtr, IntPtr, IntPtr*, int> Iallreduce;

    /// <summary>MPI_Ibcast(void* buffer, int count, MPI_Datatype, int root, MPI_Comm, MPI_Request*).</summary>
    public readonly delegate* unmanaged<void*, int, IntPtr, int, IntPtr, IntPtr*, int> Ibcast;

    /// <summary>MPI_Ibarrier(MPI_Comm, MPI_Request*).</summary>
    public readonly delegate* unmanaged<IntPtr, IntPtr*, int> Ibarrier;

    /// <summary>MPI_Test(MPI_Request*, int* flag, MPI_Status*).</summary>
    public readonly delegate* unmanaged<IntPtr*, int*, void*, int> Test;

    /// <summary>MPI_Abort(MPI_Comm, int errorcode).</summary>
    public readonly delegate* unmanaged<IntPtr, int, int> Abort;

    /// <summary>MPI_COMM_WORLD.</summary>
    public readonly IntPtr CommWorld;

    /// <summary>MPI_FLOAT.</summary>
    public readonly IntPtr Float;

    /// <summary>MPI_BYTE.</summary>
    public readonly IntPtr Byte;

    /// <summary>MPI_SUM.</summary>
    public readonly IntPtr Sum;

    private MpiApi(IntPtr library, string path)
    {
        IntPtr Bind(string name) => NativeLibrary.TryGetExport(library, name, out var address)
            ? address
            : throw new CollectiveException($"{path} has no '{name}': it is not Open MPI 4 or newer");
        Initialized = (delegate* unmanaged<int*, int>)Bind("MPI_Initialized");
        Finalized = (delegate* unmanaged<int*, int>)Bind("MPI_Finalized");
        InitThread = (delegate* unmanaged<int*, byte***, int, int*, int>)Bind("MPI_Init_thread");
        Finalize = (delegate* unmanaged<int>)Bind("MPI_Finalize");
        CommRank = (delegate* unmanaged<IntPtr, int*, int>)Bind("MPI_Comm_rank");
        CommSize = (delegate* unmanaged<IntPtr, int*, int>)Bind("MPI_Comm_size");
        Iallreduce = (delegate* unmanaged<void*, void*, int, IntPtr, IntPtr, IntPtr, IntPtr*, int>)Bind("MPI_Iallreduce");
        Ibcast = (delegate* unmanaged<void*, int, IntPtr, int, IntPtr, IntPtr*, int>)Bind("MPI_Ibcast");
        Ibarrier = (delegate* unmanaged<IntPtr, IntPtr*, int>)Bind("MPI_Ibarrier");
        Test = (delegate* unmanaged<IntPtr*, int*, void*, int>)Bind("MPI_Test");
        Abort = (delegate* unmanaged<IntPtr, int, int>)Bind("MPI_Abort");
        CommWorld = Bind("ompi_mpi_comm_world");
        Float = Bind("ompi_mpi_float");
        Byte = Bind("ompi_mpi_byte");
        Sum = Bind("ompi_mpi_op_sum");
    }

    /// <summary>Binds libmpi, or throws a <see cref="CollectiveException"/> saying what was tried and what to install.</summary>
    public static MpiApi Load()
    {
        var probe = MpiLibrary.Probe;
        if (!probe.Found)
        {
            throw new CollectiveException(probe.MissingReason);
        }
        return new MpiApi(probe.Handle, probe.FoundPath!);
    }
}
