using System.Text.Json;
using PRoLoRA.Native.IO;

namespace PRoLoRA.Native.Tests.Fuzz;

/// <summary>
/// The contract every reader and writer is held to, for any input: a reader succeeds or throws one
/// of our bad-input errors (<see cref="InvalidDataException"/>, an <see cref="IOException"/> of any
/// kind, <see cref="UnauthorizedAccessException"/>, or a <see cref="NotSupportedException"/> whose
/// message names the file); anything else is a bug. A save that succeeds leaves a complete output
/// that reloads; a save that fails leaves no output, no folder it created and no temporary.
/// </summary>
internal static class FuzzContract
{
    /// <summary>The exit codes of the CLI on any input: success or bad input.</summary>
    public static readonly int[] CliCodes = [0, PRoLoRA.Cli.Cli.BadInput];

    /// <summary>True when <paramref name="e"/> is one of our bad-input errors for an operation on <paramref name="paths"/>.</summary>
    public static bool IsBadInputError(Exception e, IReadOnlyList<string> paths) => e switch
    {
        InvalidDataException or IOException or UnauthorizedAccessException => true,
        NotSupportedException => paths.Any(p => e.Message.Contains(p, StringComparison.Ordinal)),
        _ => false,
    };

    /// <summary>
    /// Runs <paramref name="action"/>: true when it succeeds, false when it throws a bad-input error
    /// (or one <paramref name="alsoAllowed"/> accepts), and false with a violation recorded otherwise.
    /// </summary>
    public static bool Attempt(CaseResult result, string operation, Action action, IReadOnlyList<string> paths, Func<Exception, bool>? alsoAllowed = null)
    {
        try
        {
            action();
            return true;
        }
        catch (Exception e) when (IsBadInputError(e, paths) || alsoAllowed?.Invoke(e) == true)
        {
            return false;
        }
        catch (Exception e)
        {
            result.Violation($"{operation} threw {e.GetType().FullName}", Describe(e));
            return false;
        }
    }

    /// <summary>Runs <paramref name="action"/>, which may not throw at all (it works on data a reader accepted).</summary>
    public static void MustNotThrow(CaseResult result, string operation, Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            result.Violation($"{operation} threw {e.GetType().FullName} on input its reader accepted", Describe(e));
        }
    }

    /// <summary>Checks what a file save (<paramref name="path"/>, under the not yet existing folder <paramref name="createdParent"/>) left.</summary>
    public static void CheckFileOutput(CaseResult result, string operation, string path, string createdParent, bool succeeded)
    {
        if (succeeded)
        {
            if (!File.Exists(path))
            {
                result.Violation($"{operation} succeeded but wrote nothing", path);
                return;
            }
            Reloads(result, operation, path);
        }
        else
        {
            LeftNothing(result, operation, path, createdParent);
        }
        NoTemporaries(result, operation, Path.GetDirectoryName(path)!);
    }

    /// <summary>Checks what an adapter folder save (<paramref name="folder"/>, under the not yet existing <paramref name="createdParent"/>) left.</summary>
    public static void CheckFolderOutput(CaseResult result, string operation, string folder, string createdParent, bool succeeded)
    {
        if (succeeded)
        {
            var config = Path.Combine(folder, AdapterKeys.ConfigFile);
            if (!File.Exists(config))
            {
                result.Violation($"{operation} succeeded but wrote no config", config);
                return;
            }
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(config));
            }
            catch (Exception e)
            {
                result.Violation($"{operation} succeeded but its config is not JSON", $"{config}: {Describe(e)}");
            }
            Reloads(result, operation, Path.Combine(folder, AdapterKeys.WeightsFile));
        }
        else
        {
            LeftNothing(result, operation, folder, createdParent);
        }
        NoTemporaries(result, operation, Path.GetDirectoryName(folder)!);
    }

    /// <summary>Reads every tensor of <paramref name="file"/>, as bytes and (float dtypes) as float32, checking the lengths.</summary>
    public static void ReadEverything(SafetensorsFile file)
    {
        _ = file.Metadata.Count;
        foreach (var t in file.Tensors)
        {
            var info = file.Info(t.Name);
            var bytes = file.ReadBytes(t.Name);
            if (bytes.LongLength != info.ByteLength)
            {
                throw new InvalidOperationException($"tensor '{t.Name}': read {bytes.LongLength} bytes, the header says {info.ByteLength}");
            }
            if (info.DType.IsReadableAsFloat32() && file.ReadFloat32(t.Name).LongLength != info.Shape.Count)
            {
                throw new InvalidOperationException($"tensor '{t.Name}': ReadFloat32 gave the wrong number of elements");
            }
        }
    }

    /// <summary>Runs the CLI in-process: no exception may escape, and the exit code must be one of <paramref name="allowed"/>. Null when one escaped.</summary>
    public static CliRun? Cli(CaseResult result, int[] allowed, params string[] args)
    {
        result.Reach("cli");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var command = $"prolora {string.Join(' ', args)}";
        int code;
        try
        {
            code = PRoLoRA.Cli.Cli.Run(args, stdout, stderr);
        }
        catch (Exception e)
        {
            result.Violation($"prolora {args[0]}: {e.GetType().FullName} escaped Cli.Run", $"{command}: {Describe(e)}");
            return null;
        }
        if (!allowed.Contains(code))
        {
            result.Violation($"prolora {args[0]} exited with {code}", $"{command} (allowed: {string.Join(", ", allowed)}); stderr: {stderr}");
        }
        return new CliRun(command, code, stderr.ToString());
    }

    /// <summary>Records a violation unless the CLI's exit code agrees with the library's outcome (0 when it succeeded, 2 when it rejected the input).</summary>
    public static void Agrees(CaseResult result, CliRun? run, bool librarySucceeded)
    {
        int expected = librarySucceeded ? 0 : PRoLoRA.Cli.Cli.BadInput;
        if (run is { } r && r.Code != expected)
        {
            var verb = r.Command.Split(' ')[1];
            result.Violation(
                $"prolora {verb} exited with {r.Code}, but the library {(librarySucceeded ? "succeeded" : "rejected the input")}",
                $"{r.Command}: expected {expected}; stderr: {r.Stderr.Trim()}");
        }
    }

    /// <summary>The exception for a report: type, message, and the top of the stack.</summary>
    public static string Describe(Exception e)
    {
        var stack = (e.StackTrace ?? "").Split('\n').Take(8).Select(l => "      " + l.Trim());
        var inner = e.InnerException is { } i ? $"\n    inner: {i.GetType().FullName}: {i.Message}" : "";
        return $"{e.GetType().FullName}: {e.Message}{inner}\n{string.Join('\n', stack)}";
    }

    private static void Reloads(CaseResult result, string operation, string path)
    {
        try
        {
            using var file = SafetensorsFile.Open(path);
            ReadEverything(file);
        }
        catch (Exception e)
        {
            result.Violation($"{operation} succeeded but its output does not reload", $"{path}: {Describe(e)}");
        }
    }

    private static void LeftNothing(CaseResult result, string operation, string output, string createdParent)
    {
        if (File.Exists(output) || Directory.Exists(output))
        {
            result.Violation($"{operation} failed but left its output", output);
        }
        else if (Directory.Exists(createdParent))
        {
            result.Violation($"{operation} failed but left the folder it created", createdParent);
        }
    }

    private static void NoTemporaries(CaseResult result, string operation, string folder)
    {
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder, "*.tmp", new EnumerationOptions { AttributesToSkip = 0, RecurseSubdirectories = true }).FirstOrDefault() is { } temp)
        {
            result.Violation($"{operation} left a temporary", temp);
        }
    }
}
