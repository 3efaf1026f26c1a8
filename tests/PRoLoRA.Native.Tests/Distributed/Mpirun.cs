using System.Diagnostics;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Distributed;

/// <summary>Runs the built CLI under Open MPI's mpirun (as root where CI runs as root), bounded in time.</summary>
internal static class Mpirun
{
    /// <summary>What a run printed and how it ended.</summary>
    public sealed record Result(int Code, string Output, string Error, bool TimedOut)
    {
        public string All => Output + Error;
    }

    /// <summary>Skips the test (fails in CI) unless mpirun is on the PATH.</summary>
    public static void Require()
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, "mpirun")));
        if (!found)
        {
            Requirements.MissingTool("Open MPI's mpirun is not installed (Debian: apt-get install openmpi-bin libopenmpi3)");
        }
    }

    /// <summary>`mpirun -np <paramref name="ranks"/> --oversubscribe dotnet prolora.dll ARGS` with <paramref name="environment"/> added; killed after <paramref name="limitSeconds"/>.</summary>
    public static Result Run(int ranks, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, int limitSeconds = 300)
    {
        var psi = new ProcessStartInfo("mpirun") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in (string[])["-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), "--oversubscribe", "dotnet", Path.Combine(AppContext.BaseDirectory, "prolora.dll"), .. args])
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        psi.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        // Containers often forbid the cross-memory attach (process_vm_readv) of Open MPI's shared-memory transport.
        psi.Environment["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[name] = value;
        }
        using var process = Process.Start(psi)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        bool exited = process.WaitForExit(TimeSpan.FromSeconds(limitSeconds));
        if (!exited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        return new Result(exited ? process.ExitCode : -1, output.Result, error.Result, !exited);
    }
}
