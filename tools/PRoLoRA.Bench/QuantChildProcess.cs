using System.Diagnostics;
using System.Text.Json;

namespace PRoLoRA.Bench;

/// <summary>
/// Runs <see cref="QuantChild"/> in a new process of this benchmark (its apphost beside the assembly, else
/// <c>dotnet PRoLoRA.Bench.dll</c>), forwarding its progress lines and returning its JSON result.
/// </summary>
internal static class QuantChildProcess
{
    /// <summary>Runs <c>quant-child</c> with <paramref name="args"/>; throws, with its error output, when it fails or runs past <paramref name="timeout"/>.</summary>
    public static JsonElement Run(IReadOnlyList<string> args, TimeSpan timeout, TextWriter progress)
    {
        var info = StartInfo([QuantChild.Verb, .. args]);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{info.FileName} did not start");
        var lines = new List<string>();
        var gate = new object();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            lock (gate)
            {
                lines.Add(e.Data);
                if (!e.Data.StartsWith('{'))
                {
                    progress.WriteLine($"   {e.Data}");
                }
            }
        };
        process.BeginOutputReadLine();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"{Describe(info)} ran past {timeout}");
        }
        process.WaitForExit(); // drains the asynchronous output
        if (process.ExitCode != 0)
        {
            // The first line says what failed ("Unhandled exception. Type: message"); the stack trace does not go in the report.
            string message = error.Result.Trim().Split('\n')[0];
            throw new InvalidOperationException($"{Describe(info)} exited with {process.ExitCode}{(process.ExitCode == 137 ? " (killed: out of memory?)" : "")}: {message}");
        }
        lock (gate)
        {
            string json = lines.LastOrDefault(l => l.StartsWith('{')) ?? throw new InvalidOperationException($"{Describe(info)} printed no result");
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.Clone();
        }
    }

    private static ProcessStartInfo StartInfo(IReadOnlyList<string> args)
    {
        string assembly = typeof(QuantChild).Assembly.Location;
        string apphost = Path.ChangeExtension(assembly, OperatingSystem.IsWindows() ? ".exe" : null);
        ProcessStartInfo info;
        if (File.Exists(apphost))
        {
            info = new ProcessStartInfo(apphost);
        }
        else
        {
            info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet");
            info.ArgumentList.Add(assembly);
        }
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        return info;
    }

    private static string Describe(ProcessStartInfo info) => $"{Path.GetFileName(info.FileName)} {string.Join(' ', info.ArgumentList.Select(Path.GetFileName))}";
}
