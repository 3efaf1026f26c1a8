using System.Diagnostics;
using System.Runtime.InteropServices;

namespace PRoLoRA.Native.Distributed;

/// <summary>
/// The collective over Open MPI's MPI_COMM_WORLD, for ranks started by mpirun. Each operation is
/// nonblocking (MPI_Iallreduce, MPI_Ibcast, MPI_Ibarrier) and polled with MPI_Test, so a rank that
/// waits longer than the timeout ends the job (MPI_Abort) with a message naming itself and the
/// operation instead of hanging. A SIGTERM (mpirun ending the job because another rank died) is
/// reported with the operation this rank was in. MPI is initialised once per process and finalised
/// by <see cref="Dispose"/>.
/// </summary>
public sealed unsafe class MpiCollective : ICollective
{
    private const int Chunk = 1 << 30;
    private static readonly Lock s_gate = new();
    private static bool s_used;

    private readonly MpiApi _mpi;
    private readonly TimeSpan _timeout;
    private readonly PosixSignalRegistration? _terminate;
    private volatile string _operation = "training (outside any collective)";
    private long _calls;
    private bool _disposed;

    private MpiCollective(MpiApi mpi, int rank, int worldSize, TimeSpan timeout)
    {
        _mpi = mpi;
        Rank = rank;
        WorldSize = worldSize;
        _timeout = timeout;
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            Console.Error.WriteLine($"error: rank {Rank} of {WorldSize}: stopped by the launcher (SIGTERM) during {_operation}: another rank has ended or the job was cancelled");
            Console.Error.Flush();
            context.Cancel = false;
        });
    }

    /// <inheritdoc/>
    public int Rank { get; }

    /// <inheritdoc/>
    public int WorldSize { get; }

    /// <inheritdoc/>
    public string Name => "Open MPI";

    /// <summary>
    /// Initialises MPI (once per process) and checks that its world agrees with <paramref name="launch"/>;
    /// a <see cref="CollectiveException"/> when libmpi is missing or MPI was used already in this process.
    /// </summary>
    public static MpiCollective Open(LaunchEnvironment launch)
    {
        ArgumentNullException.ThrowIfNull(launch);
        var mpi = MpiApi.Load();
        lock (s_gate)
        {
            if (s_used)
            {
                throw new CollectiveException("MPI was initialised already in this process: MPI can be initialised only once per process");
            }
            s_used = true;
        }
        int provided = 0, rank = 0, size = 0;
        Check(mpi.InitThread(null, null, MpiApi.ThreadSerialized, &provided), "MPI_Init_thread");
        Check(mpi.CommRank(mpi.CommWorld, &rank), "MPI_Comm_rank");
        Check(mpi.CommSize(mpi.CommWorld, &size), "MPI_Comm_size");
        var collective = new MpiCollective(mpi, rank, size, launch.Timeout);
        if (launch.Launcher == Launcher.Mpi && (rank != launch.Rank || size != launch.WorldSize))
        {
            collective.Abort($"world size mismatch: mpirun's variables say rank {launch.Rank} of {launch.WorldSize}, MPI_COMM_WORLD says rank {rank} of {size}", 2);
        }
        return collective;
    }

    /// <inheritdoc/>
    public void AllReduceSum(Span<float> buffer)
    {
        fixed (float* data = buffer)
        {
            for (int start = 0; start < buffer.Length; start += Chunk)
            {
                int count = Math.Min(Chunk, buffer.Length - start);
                IntPtr request;
                Begin($"all-reduce #{++_calls} ({buffer.Length:N0} floats)");
                Check(_mpi.Iallreduce(MpiApi.InPlace, data + start, count, _mpi.Float, _mpi.Sum, _mpi.CommWorld, &request), "MPI_Iallreduce");
                Wait(&request);
            }
        }
    }

    /// <inheritdoc/>
    public void Broadcast(Span<float> buffer)
    {
        fixed (float* data = buffer)
        {
            for (int start = 0; start < buffer.Length; start += Chunk)
            {
                int count = Math.Min(Chunk, buffer.Length - start);
                IntPtr request;
                Begin($"broadcast #{++_calls} from rank 0 ({buffer.Length:N0} floats)");
                Check(_mpi.Ibcast(data + start, count, _mpi.Float, 0, _mpi.CommWorld, &request), "MPI_Ibcast");
                Wait(&request);
            }
        }
    }

    /// <summary>Broadcasts raw bytes from rank 0 (the NCCL unique id).</summary>
    internal void BroadcastBytes(Span<byte> buffer)
    {
        fixed (byte* data = buffer)
        {
            IntPtr request;
            Begin($"broadcast #{++_calls} from rank 0 ({buffer.Length} bytes)");
            Check(_mpi.Ibcast(data, buffer.Length, _mpi.Byte, 0, _mpi.CommWorld, &request), "MPI_Ibcast");
            Wait(&request);
        }
    }

    /// <inheritdoc/>
    public void Barrier()
    {
        IntPtr request;
        Begin($"barrier #{++_calls}");
        Check(_mpi.Ibarrier(_mpi.CommWorld, &request), "MPI_Ibarrier");
        Wait(&request);
    }

    /// <inheritdoc/>
    public void Abort(string message, int exitCode)
    {
        Console.Out.Flush();
        Console.Error.WriteLine($"error: rank {Rank} of {WorldSize}: {message}");
        Console.Error.Flush();
        _mpi.Abort(_mpi.CommWorld, exitCode);
        Environment.Exit(exitCode);
    }

    /// <summary>Finalises MPI (once), after which no rank of this process can use it again.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _terminate?.Dispose();
        int finalized = 0;
        if (_mpi.Finalized(&finalized) == 0 && finalized == 0)
        {
            _operation = "MPI_Finalize";
            _mpi.Finalize();
        }
    }

    private void Begin(string operation)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _operation = operation;
    }

    /// <summary>Polls the request until it completes; past the timeout, ends the job naming the operation.</summary>
    private void Wait(IntPtr* request)
    {
        var clock = Stopwatch.StartNew();
        int done = 0;
        while (true)
        {
            Check(_mpi.Test(request, &done, null), "MPI_Test");
            if (done != 0)
            {
                _operation = "training (outside any collective)";
                return;
            }
            if (clock.Elapsed > _timeout)
            {
                Abort($"{_operation} did not complete within {_timeout.TotalSeconds:0.###} s ({LaunchEnvironment.TimeoutVariable}): another rank has stopped or is stuck; ending the job", 3);
            }
            // A nonblocking collective advances only inside MPI_Test: poll closely for the first
            // milliseconds (yielding the core), then sleep between polls so that a rank waiting long
            // for a slower one leaves the CPU to it.
            if (clock.ElapsedMilliseconds < 20)
            {
                Thread.Yield();
            }
            else
            {
                Thread.Sleep(1);
            }
        }
    }

    private static void Check(int status, string call)
    {
        if (status != 0)
        {
            throw new CollectiveException($"{call} failed with MPI error {status}");
        }
    }
}
