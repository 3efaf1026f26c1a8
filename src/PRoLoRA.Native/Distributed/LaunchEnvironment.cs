using System.Globalization;

namespace PRoLoRA.Native.Distributed;

/// <summary>Who started this process: nobody (one process), Open MPI's mpirun, or a torchrun-style launcher.</summary>
public enum Launcher
{
    /// <summary>No launch variables: one process.</summary>
    None,

    /// <summary>Open MPI's mpirun (OMPI_COMM_WORLD_RANK, _SIZE, _LOCAL_RANK).</summary>
    Mpi,

    /// <summary>torchrun or any launcher setting RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT.</summary>
    TorchRun,
}

/// <summary>
/// The process's place in a distributed job, read from the variables launchers set: Open MPI's
/// <c>OMPI_COMM_WORLD_RANK</c>/<c>_SIZE</c>/<c>_LOCAL_RANK</c>, or torchrun's <c>RANK</c>,
/// <c>WORLD_SIZE</c>, <c>LOCAL_RANK</c>, <c>MASTER_ADDR</c>, <c>MASTER_PORT</c>; and
/// <c>PROLORA_COLLECTIVE_TIMEOUT</c> (seconds a collective may wait, default 1800). Half-set or
/// contradictory variables are a <see cref="CollectiveException"/> naming them.
/// </summary>
/// <param name="Launcher">Who started the process.</param>
/// <param name="Rank">This process's rank.</param>
/// <param name="WorldSize">Processes in the job.</param>
/// <param name="LocalRank">This process's rank on its machine (its GPU number).</param>
/// <param name="MasterAddress">Host of rank 0's rendezvous (torchrun-style only).</param>
/// <param name="MasterPort">Port of rank 0's rendezvous (torchrun-style only).</param>
/// <param name="Timeout">How long one collective may wait before the job is ended.</param>
public sealed record LaunchEnvironment(Launcher Launcher, int Rank, int WorldSize, int LocalRank, string? MasterAddress, int MasterPort, TimeSpan Timeout)
{
    /// <summary>The variable that sets <see cref="Timeout"/> in seconds.</summary>
    public const string TimeoutVariable = "PROLORA_COLLECTIVE_TIMEOUT";

    /// <summary>The default <see cref="Timeout"/>: generous, as a validation pass or a checkpoint on rank 0 keeps the others waiting.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(1800);

    /// <summary>True when more than one process takes part.</summary>
    public bool IsDistributed => WorldSize > 1;

    /// <summary>This process's environment.</summary>
    public static LaunchEnvironment Current() => Read(Environment.GetEnvironmentVariable);

    /// <summary>Reads the launch from <paramref name="variable"/> (a variable's value, or null when unset).</summary>
    public static LaunchEnvironment Read(Func<string, string?> variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        var timeout = ReadTimeout(variable);
        string? ompiRank = variable("OMPI_COMM_WORLD_RANK"), ompiSize = variable("OMPI_COMM_WORLD_SIZE");
        string? rank = variable("RANK"), size = variable("WORLD_SIZE");
        if (ompiRank is not null || ompiSize is not null)
        {
            Both("OMPI_COMM_WORLD_RANK", ompiRank, "OMPI_COMM_WORLD_SIZE", ompiSize, "mpirun sets both");
            int world = Count("OMPI_COMM_WORLD_SIZE", ompiSize!, 1);
            int r = RankOf("OMPI_COMM_WORLD_RANK", ompiRank!, "OMPI_COMM_WORLD_SIZE", world);
            int local = variable("OMPI_COMM_WORLD_LOCAL_RANK") is { } l ? Count("OMPI_COMM_WORLD_LOCAL_RANK", l, 0) : 0;
            if (size is not null && int.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out int other) && other != world)
            {
                throw new CollectiveException($"world size mismatch: mpirun started {world} processes (OMPI_COMM_WORLD_SIZE) but WORLD_SIZE says {other}: unset WORLD_SIZE or make them agree");
            }
            return new LaunchEnvironment(Launcher.Mpi, r, world, local, null, 0, timeout);
        }
        if (rank is not null || size is not null)
        {
            Both("RANK", rank, "WORLD_SIZE", size, "a torchrun-style launch sets RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT");
            int world = Count("WORLD_SIZE", size!, 1);
            int r = RankOf("RANK", rank!, "WORLD_SIZE", world);
            int local = variable("LOCAL_RANK") is { } l ? Count("LOCAL_RANK", l, 0) : r;
            if (world == 1)
            {
                return new LaunchEnvironment(Launcher.TorchRun, 0, 1, local, variable("MASTER_ADDR"), 0, timeout);
            }
            var address = variable("MASTER_ADDR");
            var port = variable("MASTER_PORT");
            if (string.IsNullOrWhiteSpace(address) || string.IsNullOrWhiteSpace(port))
            {
                throw new CollectiveException($"RANK and WORLD_SIZE = {world} are set but {(string.IsNullOrWhiteSpace(address) ? "MASTER_ADDR" : "MASTER_PORT")} is not: a torchrun-style launch needs MASTER_ADDR and MASTER_PORT (where rank 0 listens)");
            }
            if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int p) || p < 1 || p > 65535)
            {
                throw new CollectiveException($"MASTER_PORT must be a port number in [1, 65535], got '{Printable(port)}'");
            }
            return new LaunchEnvironment(Launcher.TorchRun, r, world, local, address.Trim(), p, timeout);
        }
        return new LaunchEnvironment(Launcher.None, 0, 1, 0, null, 0, timeout);
    }

    private static TimeSpan ReadTimeout(Func<string, string?> variable)
    {
        var text = variable(TimeoutVariable);
        if (text is null)
        {
            return DefaultTimeout;
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) || !double.IsFinite(seconds) || seconds <= 0 || seconds > 7 * 86400)
        {
            throw new CollectiveException($"{TimeoutVariable} must be a number of seconds in (0, 604800], got '{Printable(text)}'");
        }
        return TimeSpan.FromSeconds(seconds);
    }

    private static void Both(string first, string? firstValue, string second, string? secondValue, string hint)
    {
        if (firstValue is null || secondValue is null)
        {
            throw new CollectiveException($"{(firstValue is null ? second : first)} is set but {(firstValue is null ? first : second)} is not: {hint}");
        }
    }

    private static int Count(string name, string text, int least)
    {
        if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < least)
        {
            throw new CollectiveException($"{name} must be a whole number >= {least}, got '{Printable(text)}'");
        }
        return value;
    }

    private static int RankOf(string name, string text, string sizeName, int world)
    {
        int rank = Count(name, text, 0);
        if (rank >= world)
        {
            throw new CollectiveException($"{name} = {rank} is not below {sizeName} = {world}: ranks run from 0 to {world - 1}");
        }
        return rank;
    }

    private static string Printable(string text) => text.Length > 40 ? text[..40] + "..." : text;
}
