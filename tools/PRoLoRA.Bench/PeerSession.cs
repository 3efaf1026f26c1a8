using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace PRoLoRA.Bench;

/// <summary>
/// A peer kept running between steps (llama_torch.py bench --serve): it sets up and warms up once,
/// then times one step of its own for each <see cref="Step"/>, so the caller can interleave its steps
/// with ours round by round and both meet the same machine. Every wait is bounded; a peer that does
/// not answer in time is killed with its process tree, and its error output goes into the exception.
/// </summary>
internal sealed class PeerSession : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly TimeSpan _stepTimeout;

    private PeerSession(Process process, TimeSpan stepTimeout, string command)
    {
        _process = process;
        _stepTimeout = stepTimeout;
        Command = command;
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_stderr)
            {
                if (e.Data is not null && _stderr.Length < 20_000)
                {
                    _stderr.AppendLine(e.Data);
                }
            }
        };
        _process.BeginErrorReadLine();
    }

    /// <summary>The command line, for messages.</summary>
    public string Command { get; }

    /// <summary>The peer's ready line: {"ready": true, "torch", "device", "threads", "tokens", ...}.</summary>
    public JsonElement Info { get; private set; }

    /// <summary>
    /// Starts <paramref name="python"/> <paramref name="args"/> and waits up to <paramref name="setupTimeout"/> for its
    /// ready line; each later step may take up to <paramref name="stepTimeout"/>.
    /// </summary>
    public static PeerSession Start(string python, IReadOnlyList<string> args, TimeSpan setupTimeout, TimeSpan stepTimeout)
    {
        var info = new ProcessStartInfo(python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        PeerBlas.Apply(info.Environment);
        string command = $"{python} {string.Join(' ', args)}";
        var process = Process.Start(info) ?? throw new InvalidOperationException($"{command}: the process did not start");
        var session = new PeerSession(process, stepTimeout, command);
        try
        {
            session.Info = session.ReadLine(setupTimeout, "set up and warm up");
            if (!session.Info.TryGetProperty("ready", out _))
            {
                throw new InvalidOperationException($"{command}: expected the ready line, got {session.Info}");
            }
        }
        catch
        {
            session.Dispose();
            throw;
        }
        return session;
    }

    /// <summary>Runs one timed step in the peer; returns the milliseconds it measured.</summary>
    public double Step()
    {
        _process.StandardInput.WriteLine("step");
        _process.StandardInput.Flush();
        var line = ReadLine(_stepTimeout, "time a step");
        return line.TryGetProperty("ms", out var ms) ? ms.GetDouble() : throw new InvalidOperationException($"{Command}: {line}");
    }

    private JsonElement ReadLine(TimeSpan timeout, string what)
    {
        var read = _process.StandardOutput.ReadLineAsync();
        if (!read.Wait(timeout))
        {
            Kill();
            throw new TimeoutException($"{Command}: did not {what} within {timeout}; stderr: {Errors()}");
        }
        string? line = read.Result;
        if (line is null)
        {
            _process.WaitForExit(TimeSpan.FromSeconds(10));
            throw new InvalidOperationException($"{Command}: exited ({(_process.HasExited ? _process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : "running")}) instead of answering; stderr: {Errors()}");
        }
        using var doc = JsonDocument.Parse(line);
        return doc.RootElement.Clone();
    }

    private string Errors()
    {
        lock (_stderr)
        {
            string text = _stderr.ToString().Trim();
            return text.Length <= 4000 ? text : "…" + text[^4000..];
        }
    }

    private void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    /// <summary>Asks the peer to quit (closing its stdin) and kills it if it has not within a minute.</summary>
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.WriteLine("quit");
                _process.StandardInput.Close();
                if (!_process.WaitForExit(TimeSpan.FromMinutes(1)))
                {
                    Kill();
                }
            }
        }
        catch (IOException)
        {
            Kill();
        }
        finally
        {
            _process.Dispose();
        }
    }
}
