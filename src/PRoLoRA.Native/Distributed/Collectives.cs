namespace PRoLoRA.Native.Distributed;

/// <summary>Opens the collective a launch asks for: one process, Open MPI's ranks, or NCCL between GPUs.</summary>
public static class Collectives
{
    /// <summary>
    /// The collective for <paramref name="launch"/>: <see cref="SingleProcessCollective"/> for one
    /// process; under mpirun <see cref="MpiCollective"/> (CPU) or <see cref="NcclCollective"/> with its
    /// id shared over MPI (<paramref name="gpu"/>); under torchrun-style variables NCCL with a TCP
    /// rendezvous at MASTER_ADDR:MASTER_PORT, GPUs only. Anything else is a <see cref="CollectiveException"/>.
    /// </summary>
    public static ICollective Open(LaunchEnvironment launch, bool gpu)
    {
        ArgumentNullException.ThrowIfNull(launch);
        if (!launch.IsDistributed)
        {
            return new SingleProcessCollective();
        }
        if (launch.Launcher == Launcher.Mpi)
        {
            var mpi = MpiCollective.Open(launch);
            if (!gpu)
            {
                return mpi;
            }
            try
            {
                return NcclCollective.OverMpi(mpi, launch.Timeout);
            }
            catch (Exception e) when (e is ProLoraException or DllNotFoundException or EntryPointNotFoundException)
            {
                // The other ranks may be waiting in the id's broadcast: end them all with the reason.
                mpi.Abort($"NCCL cannot start: {e.Message}", 2);
                throw;
            }
        }
        if (!gpu)
        {
            throw new CollectiveException(
                $"RANK/WORLD_SIZE = {launch.WorldSize} (a torchrun-style launch) needs GPUs: it runs NCCL with --device cuda; for CPU ranks launch with mpirun -np {launch.WorldSize}");
        }
        return NcclCollective.OverTcp(launch);
    }
}
