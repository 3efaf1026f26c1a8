using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using PRoLoRA.Native.IO.FileSystem;

namespace PRoLoRA.Native.IO.Output;

/// <summary>
/// The temporaries of atomic saves: ".NAME.prolora-PID-GUID.tmp" beside the destination NAME (a
/// file, or a folder for folder saves). A kill leaves them behind; the next save to the same
/// destination deletes those whose process no longer runs (or runs no save of that name: a PID
/// reused, or this process after a failure), and those of the older naming ".NAME.GUID.tmp".
/// </summary>
internal static partial class Temporaries
{
    private static readonly ConcurrentDictionary<string, byte> Active = new(StringComparer.Ordinal);

    /// <summary>A new temporary path for <paramref name="destination"/> (a full path), marked in use until <see cref="Release"/>.</summary>
    public static string Reserve(string destination)
    {
        var folder = Path.GetDirectoryName(destination)!;
        var temp = Path.Combine(folder, $".{Path.GetFileName(destination)}.prolora-{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");
        Active[temp] = 0;
        return temp;
    }

    /// <summary>Marks <paramref name="temp"/> as no longer in use.</summary>
    public static void Release(string temp) => Active.TryRemove(temp, out _);

    /// <summary>True when <paramref name="entryName"/> is a temporary of ours (of any destination).</summary>
    public static bool IsTemporaryName(string entryName) => AnyTemporary().IsMatch(entryName);

    /// <summary>Deletes the stale temporaries of <paramref name="destination"/> (a full path); best effort.</summary>
    public static void RemoveStale(string destination)
    {
        var folder = Path.GetDirectoryName(destination)!;
        var prefix = $".{Path.GetFileName(destination)}.";
        if (!Directory.Exists(folder))
        {
            return;
        }
        var options = new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = true, MatchType = MatchType.Simple };
        foreach (var entry in Directory.EnumerateFileSystemEntries(folder, ".*", options))
        {
            var name = Path.GetFileName(entry);
            if (!name.StartsWith(prefix, StringComparison.Ordinal) || Tail().Match(name, prefix.Length) is not { Success: true } match)
            {
                continue;
            }
            if (match.Groups["pid"].Success && InUse(entry, int.Parse(match.Groups["pid"].ValueSpan, System.Globalization.CultureInfo.InvariantCulture)))
            {
                continue;
            }
            Delete(entry);
        }
    }

    /// <summary>Deletes a file or a folder tree (a link is removed, never followed); best effort.</summary>
    public static void Delete(string path)
    {
        try
        {
            if (FileStatus.Of(path, followLinks: false).Kind == FileKind.Directory)
            {
                Directory.Delete(path, recursive: true);
            }
            else
            {
                File.Delete(path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next save to try again.
        }
    }

    private static bool InUse(string temp, int pid)
    {
        if (pid == Environment.ProcessId)
        {
            return Active.ContainsKey(temp);
        }
        if (OperatingSystem.IsLinux())
        {
            return Directory.Exists($"/proc/{pid}");
        }
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"\G(?:prolora-(?<pid>\d{1,9})-)?[0-9a-f]{32}\.tmp$", RegexOptions.CultureInvariant)]
    private static partial Regex Tail();

    [GeneratedRegex(@"^\..+\.(?:prolora-\d{1,9}-)?[0-9a-f]{32}\.tmp$", RegexOptions.CultureInvariant)]
    private static partial Regex AnyTemporary();
}
