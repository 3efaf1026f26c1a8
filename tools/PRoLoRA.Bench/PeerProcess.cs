using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace PRoLoRA.Bench;

/// <summary>
/// Finds and runs a PyTorch peer (tools/peers/prolora_torch.py, or llama_torch.py for the model group) as a
/// subprocess. The script is looked for in PROLORA_PEERS_DIR, then peers/ next to (or one folder above) the benchmark's
/// binaries, as the GPU bundle ships it, then tools/peers/ above the binaries or the working folder.
/// Python is PROLORA_PYTHON, else the first of python3 and /usr/bin/python3 that imports torch
/// (and, for cuda, sees a GPU).
/// </summary>
internal sealed class PeerProcess
{
    /// <summary>The layer peer's script.</summary>
    public const string LayerScript = "prolora_torch.py";

    /// <summary>The whole-model peer's script.</summary>
    public const string ModelScript = "llama_torch.py";

    private PeerProcess(string python, string script)
    {
        Python = python;
        Script = script;
    }

    /// <summary>The interpreter used.</summary>
    public string Python { get; }

    /// <summary>The script's path.</summary>
    public string Script { get; }

    /// <summary>The peer <paramref name="scriptName"/> for <paramref name="device"/> ("cpu" or "cuda"), or null with the reason.</summary>
    public static PeerProcess? Find(string device, out string reason, string scriptName = LayerScript)
    {
        string? script = FindScript(scriptName);
        if (script is null)
        {
            reason = $"{scriptName} not found (set PROLORA_PEERS_DIR to the folder that holds it)";
            return null;
        }
        string probe = device == "cuda" ? "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 3)" : "import torch";
        string? env = Environment.GetEnvironmentVariable("PROLORA_PYTHON");
        string[] candidates = string.IsNullOrEmpty(env) ? ["python3", "/usr/bin/python3"] : [env];
        foreach (string python in candidates)
        {
            if (TryRun(python, ["-c", probe], TimeSpan.FromMinutes(2), out _, out _) == 0)
            {
                reason = "";
                return new PeerProcess(python, script);
            }
        }
        reason = $"no Python with PyTorch{(device == "cuda" ? " and a CUDA GPU" : "")} among {string.Join(", ", candidates)} (set PROLORA_PYTHON)";
        return null;
    }

    /// <summary>Runs the script on one shape and <paramref name="methods"/> (interleaved) and returns its JSON output's root.</summary>
    public JsonElement Run(string device, int threads, LayerShape shape, IReadOnlyList<string> methods, int reps, int warmup, TimeSpan timeout)
    {
        string[] args =
        [
            Script, "--device", device, "--threads", threads.ToString(CultureInfo.InvariantCulture),
            "--shapes", $"{shape.In}x{shape.Out}x{shape.Tokens}", "--methods", string.Join(',', methods), "--reps", reps.ToString(CultureInfo.InvariantCulture),
            "--warmup", warmup.ToString(CultureInfo.InvariantCulture),
        ];
        int code = TryRun(Python, args, timeout, out string stdout, out string stderr);
        if (code != 0)
        {
            throw new InvalidOperationException($"{Python} {string.Join(' ', args)} exited with {code}: {stderr.Trim()}");
        }
        using var doc = JsonDocument.Parse(stdout);
        return doc.RootElement.Clone();
    }

    /// <summary>Runs the script with <paramref name="args"/> to completion and returns its JSON output's root (the last line of stdout).</summary>
    public JsonElement RunScript(IReadOnlyList<string> args, TimeSpan timeout)
    {
        int code = TryRun(Python, [Script, .. args], timeout, out string stdout, out string stderr);
        if (code != 0)
        {
            throw new InvalidOperationException($"{Python} {Script} {string.Join(' ', args)} exited with {code}: {stderr.Trim()}");
        }
        using var doc = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
        return doc.RootElement.Clone();
    }

    /// <summary>
    /// Starts the script with <paramref name="args"/> as a <see cref="PeerSession"/> (its setup and warm-up may take
    /// <paramref name="setupTimeout"/>, each step <paramref name="stepTimeout"/>).
    /// </summary>
    public PeerSession StartSession(IReadOnlyList<string> args, TimeSpan? setupTimeout = null, TimeSpan? stepTimeout = null)
        => PeerSession.Start(Python, [Script, .. args], setupTimeout ?? TimeSpan.FromMinutes(20), stepTimeout ?? TimeSpan.FromMinutes(10));

    private static string? FindScript(string scriptName)
    {
        string? env = Environment.GetEnvironmentVariable("PROLORA_PEERS_DIR");
        if (!string.IsNullOrEmpty(env))
        {
            string path = Path.Combine(env, scriptName);
            return File.Exists(path) ? path : null;
        }
        string bin = AppContext.BaseDirectory;
        foreach (string path in new[] { Path.Combine(bin, "peers", scriptName), Path.Combine(bin, "..", "peers", scriptName) })
        {
            if (File.Exists(path))
            {
                return Path.GetFullPath(path);
            }
        }
        foreach (string start in new[] { bin, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string path = Path.Combine(dir.FullName, "tools", "peers", scriptName);
                if (File.Exists(path))
                {
                    return path;
                }
            }
        }
        return null;
    }

    /// <summary>Runs a process to completion; -1 when it cannot start or runs past <paramref name="timeout"/>.</summary>
    private static int TryRun(string file, IEnumerable<string> args, TimeSpan timeout, out string stdout, out string stderr)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        PeerBlas.Apply(info.Environment);
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        Process? process;
        try
        {
            process = Process.Start(info);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            (stdout, stderr) = ("", e.Message);
            return -1;
        }
        if (process is null)
        {
            (stdout, stderr) = ("", "the process did not start");
            return -1;
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                (stdout, stderr) = (output.Result, $"timed out after {timeout}; {error.Result}");
                return -1;
            }
            (stdout, stderr) = (output.Result, error.Result);
            return process.ExitCode;
        }
    }
}
