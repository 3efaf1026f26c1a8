using System.Diagnostics;

namespace PRoLoRA.Native.Tests.Distributed;

/// <summary>`prolora train` started with bad or unusable launch variables: exit 2 with a message naming them, never a hang.</summary>
public class LaunchErrorTests
{
    [TestCase(new[] { "RANK", "0", "WORLD_SIZE", "2", "MASTER_ADDR", "127.0.0.1", "MASTER_PORT", "29500" }, "needs GPUs: it runs NCCL with --device cuda; for CPU ranks launch with mpirun -np 2")]
    [TestCase(new[] { "RANK", "1" }, "RANK is set but WORLD_SIZE is not")]
    [TestCase(new[] { "OMPI_COMM_WORLD_RANK", "2", "OMPI_COMM_WORLD_SIZE", "2" }, "OMPI_COMM_WORLD_RANK = 2 is not below OMPI_COMM_WORLD_SIZE = 2")]
    [TestCase(new[] { "PROLORA_COLLECTIVE_TIMEOUT", "-1" }, "PROLORA_COLLECTIVE_TIMEOUT must be a number of seconds")]
    public void Train_WithBadLaunchVariables_ExitsTwoNamingThem(string[] variables, string message)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])[Path.Combine(AppContext.BaseDirectory, "prolora.dll"), "train", "--model", "m", "--data", "d.jsonl"])
        {
            psi.ArgumentList.Add(a);
        }
        for (int i = 0; i < variables.Length; i += 2)
        {
            psi.Environment[variables[i]] = variables[i + 1];
        }
        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        bool exited = process.WaitForExit(TimeSpan.FromSeconds(120));
        if (!exited)
        {
            process.Kill(entireProcessTree: true);
        }

        Assert.That(exited, Is.True, "hung");
        Assert.That(process.ExitCode, Is.EqualTo(2), output.Result + error.Result);
        Assert.That(error.Result, Does.Contain(message));
    }
}
