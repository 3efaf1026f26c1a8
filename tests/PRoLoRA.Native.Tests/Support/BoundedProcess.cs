using System.Diagnostics;

namespace PRoLoRA.Native.Tests.Support;

/// <summary>Runs a command with a time limit, its output kept (not printed): the oracle's npm and node steps, the package consumers' dotnet steps.</summary>
internal static class BoundedProcess
{
    /// <summary>The exit code and the output of <paramref name="file"/> <paramref name="arguments"/> in <paramref name="folder"/>, with <paramref name="environment"/> added to this process's variables (a null value removes one); null when it could not start (not installed); a run past <paramref name="seconds"/> is killed, with its process tree, and fails the test.</summary>
    public static (int ExitCode, string Output)? Run(string file, IEnumerable<string> arguments, string folder, int seconds, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var info = new ProcessStartInfo(file)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }
        info.Environment["NO_UPDATE_NOTIFIER"] = "1";
        info.Environment["npm_config_update_notifier"] = "false";
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
        using (process)
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(seconds)))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                Assert.Fail($"{file} {string.Join(' ', arguments)}: no answer within {seconds} s (killed)\n{Tail(stdout.Result + stderr.Result)}");
            }
            return (process.ExitCode, stdout.Result + stderr.Result);
        }
    }

    /// <summary>The last lines of <paramref name="output"/>, for messages.</summary>
    public static string Tail(string output) => output.Length <= 2000 ? output : "…" + output[^2000..];
}
