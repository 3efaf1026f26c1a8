using System.Diagnostics;
using PRoLoRA.Native.Cuda;
using PRoLoRA.Native.Cuda.Handles;
using PRoLoRA.Native.Cuda.Interop;

namespace PRoLoRA.Native.Distributed;

/// <summary>
/// The collective over NCCL between GPUs, one per rank (the rank's LOCAL_RANK-th device). Its unique
/// id travels over MPI (under mpirun) or a TCP rendezvous (torchrun-style variables). Operations are
/// staged through a device buffer of its own on a stream of its own and polled (cuStreamQuery and
/// ncclCommGetAsyncError), so a collective that outlives the timeout aborts the communicator and
/// ends the job with a message naming the rank and the operation.
/// </summary>
public sealed unsafe class NcclCollective : ICollective
{
    private readonly NcclApi _nccl;
    private readonly ContextHandle _context;
    private readonly NcclCommHandle _comm;
    private readonly MpiCollective? _mpi;
    private readonly TimeSpan _timeout;
    private readonly IntPtr _stream;
    private IntPtr _device;
    private long _deviceBytes;
    private long _calls;
    private bool _disposed;

    private NcclCollective(NcclApi nccl, ContextHandle context, NcclCommHandle comm, IntPtr stream, int rank, int worldSize, MpiCollective? mpi, TimeSpan timeout)
    {
        (_nccl, _context, _comm, _stream, _mpi, _timeout) = (nccl, context, comm, stream, mpi, timeout);
        (Rank, WorldSize) = (rank, worldSize);
    }

    /// <inheritdoc/>
    public int Rank { get; }

    /// <inheritdoc/>
    public int WorldSize { get; }

    /// <inheritdoc/>
    public string Name => "NCCL";

    /// <summary>NCCL under mpirun: rank 0's unique id broadcast over <paramref name="mpi"/>, which this collective then owns; GPU = the rank on its node.</summary>
    public static NcclCollective OverMpi(MpiCollective mpi, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(mpi);
        var nccl = NcclApi.Load();
        var id = new byte[NcclUniqueId.Size];
        if (mpi.Rank == 0)
        {
            id = NewId(nccl);
        }
        mpi.BroadcastBytes(id);
        int localRank = LaunchEnvironment.Current().LocalRank;
        return Create(nccl, id, mpi.Rank, mpi.WorldSize, localRank, mpi, timeout);
    }

    /// <summary>NCCL under torchrun-style variables: rank 0's unique id shared over TCP (<see cref="TcpRendezvous"/>).</summary>
    public static NcclCollective OverTcp(LaunchEnvironment launch)
    {
        ArgumentNullException.ThrowIfNull(launch);
        var nccl = NcclApi.Load();
        byte[] id;
        if (launch.Rank == 0)
        {
            id = NewId(nccl);
            TcpRendezvous.Serve(launch, id);
        }
        else
        {
            id = TcpRendezvous.Fetch(launch);
        }
        return Create(nccl, id, launch.Rank, launch.WorldSize, launch.LocalRank, null, launch.Timeout);
    }

    /// <summary>A communicator of one rank on GPU <paramref name="device"/>: what the GPU bundle's test runs.</summary>
    internal static NcclCollective Alone(int device, TimeSpan timeout)
    {
        var nccl = NcclApi.Load();
        return Create(nccl, NewId(nccl), 0, 1, device, null, timeout);
    }

    /// <inheritdoc/>
    public void AllReduceSum(Span<float> buffer) => Run(buffer, $"all-reduce #{++_calls} ({buffer.Length:N0} floats)", (data, count) =>
        _nccl.AllReduce(data, data, count, NcclApi.Float32, NcclApi.Sum, _comm.Comm, _stream));

    /// <inheritdoc/>
    public void Broadcast(Span<float> buffer) => Run(buffer, $"broadcast #{++_calls} from rank 0 ({buffer.Length:N0} floats)", (data, count) =>
        _nccl.Broadcast(data, data, count, NcclApi.Float32, 0, _comm.Comm, _stream));

    /// <inheritdoc/>
    public void Barrier()
    {
        Span<float> one = [0f];
        Run(one, $"barrier #{++_calls}", (data, count) => _nccl.AllReduce(data, data, count, NcclApi.Float32, NcclApi.Sum, _comm.Comm, _stream));
    }

    /// <inheritdoc/>
    public void Abort(string message, int exitCode)
    {
        // ncclCommAbort, which does not wait for the other ranks as ncclCommDestroy would.
        _comm.AbortOnRelease();
        _comm.Dispose();
        if (_mpi is not null)
        {
            _mpi.Abort(message, exitCode);
        }
        Console.Out.Flush();
        Console.Error.WriteLine($"error: rank {Rank} of {WorldSize}: {message}");
        Console.Error.Flush();
        Environment.Exit(exitCode);
    }

    /// <summary>Destroys the communicator, frees the staging buffer and stream, and finalises MPI when it carried the id.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (_context.IsClosed)
        {
            return;
        }
        _context.MakeCurrent();
        if (_device != IntPtr.Zero)
        {
            DriverApi.MemFree(_device);
        }
        _comm.Dispose();
        DriverApi.StreamDestroy(_stream);
        _context.Dispose();
        _mpi?.Dispose();
    }

    private static byte[] NewId(NcclApi nccl)
    {
        NcclUniqueId id;
        nccl.Check(nccl.GetUniqueId(&id), "ncclGetUniqueId");
        return new ReadOnlySpan<byte>(id.Bytes, NcclUniqueId.Size).ToArray();
    }

    private static NcclCollective Create(NcclApi nccl, byte[] idBytes, int rank, int worldSize, int device, MpiCollective? mpi, TimeSpan timeout)
    {
        CudaCheck.Driver(DriverApi.Init(0), "cuInit");
        var context = ContextHandle.Retain(device);
        context.MakeCurrent();
        IntPtr stream;
        CudaCheck.Driver(DriverApi.StreamCreate(&stream, DriverApi.StreamNonBlocking), "cuStreamCreate");
        NcclUniqueId id;
        idBytes.AsSpan().CopyTo(new Span<byte>(id.Bytes, NcclUniqueId.Size));
        IntPtr comm;
        int status = nccl.CommInitRank(&comm, worldSize, id, rank);
        if (status != 0)
        {
            DriverApi.StreamDestroy(stream);
            context.Dispose();
            throw new CollectiveException($"rank {rank} of {worldSize}: ncclCommInitRank on GPU {device} failed: {nccl.ErrorString(status)}");
        }
        return new NcclCollective(nccl, context, new NcclCommHandle(nccl, comm), stream, rank, worldSize, mpi, timeout);
    }

    /// <summary>Copies <paramref name="buffer"/> to the device, runs <paramref name="operation"/> on it, waits (bounded) and copies it back.</summary>
    private void Run(Span<float> buffer, string name, Func<IntPtr, nuint, int> operation)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _context.MakeCurrent();
        long bytes = (long)buffer.Length * sizeof(float);
        if (bytes > _deviceBytes)
        {
            if (_device != IntPtr.Zero)
            {
                CudaCheck.Driver(DriverApi.MemFree(_device), "cuMemFree");
                _device = IntPtr.Zero;
            }
            IntPtr device;
            CudaCheck.Driver(DriverApi.MemAlloc(&device, (nuint)bytes), "cuMemAlloc");
            (_device, _deviceBytes) = (device, bytes);
        }
        fixed (float* host = buffer)
        {
            CudaCheck.Driver(DriverApi.MemcpyHtoDAsync(_device, host, (nuint)bytes, _stream), "cuMemcpyHtoDAsync");
            _nccl.Check(operation(_device, (nuint)buffer.Length), name);
            CudaCheck.Driver(DriverApi.MemcpyDtoHAsync(host, _device, (nuint)bytes, _stream), "cuMemcpyDtoHAsync");
            Wait(name);
        }
    }

    private void Wait(string name)
    {
        const int notReady = 600;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            int status = DriverApi.StreamQuery(_stream);
            if (status == 0)
            {
                return;
            }
            if (status != notReady)
            {
                CudaCheck.Driver(status, "cuStreamQuery");
            }
            int asyncError = 0;
            _nccl.CommGetAsyncError(_comm.Comm, &asyncError);
            if (asyncError != 0 && asyncError != NcclApi.InProgress)
            {
                Abort($"{name} failed in NCCL: {_nccl.ErrorString(asyncError)}", 3);
            }
            if (clock.Elapsed > _timeout)
            {
                Abort($"{name} did not complete within {_timeout.TotalSeconds:0.###} s ({LaunchEnvironment.TimeoutVariable}): another rank has stopped or is stuck; ending the job", 3);
            }
            Thread.Sleep(1);
        }
    }
}
