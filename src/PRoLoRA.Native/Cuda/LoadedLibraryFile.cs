using System.Globalization;
using System.Runtime.InteropServices;

namespace PRoLoRA.Native.Cuda;

/// <summary>The file a loaded native library really came from, whatever name or link it was loaded by.</summary>
internal static class LoadedLibraryFile
{
    /// <summary>
    /// The file of the library <paramref name="handle"/> that exports <paramref name="symbol"/>: on
    /// Linux the mapping of /proc/self/maps that holds the symbol's address (links resolved, even
    /// when the system loader found a bare name); elsewhere <paramref name="loadedAs"/> with its
    /// links resolved. Null when neither names an existing file.
    /// </summary>
    public static FileInfo? Of(IntPtr handle, string symbol, string? loadedAs)
    {
        if (OperatingSystem.IsLinux() && handle != IntPtr.Zero && NativeLibrary.TryGetExport(handle, symbol, out var address))
        {
            var mapped = MappingOf(address);
            if (mapped is not null && File.Exists(mapped))
            {
                return new FileInfo(mapped);
            }
        }
        if (loadedAs is null || !File.Exists(loadedAs))
        {
            return null;
        }
        var file = new FileInfo(loadedAs);
        return file.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? file;
    }

    /// <summary>The path of the /proc/self/maps line whose range holds <paramref name="address"/>.</summary>
    private static string? MappingOf(IntPtr address)
    {
        ulong at = (ulong)address;
        string[] lines;
        try
        {
            lines = File.ReadAllLines("/proc/self/maps");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        foreach (var line in lines)
        {
            // start-end perms offset dev inode path
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 6)
            {
                continue;
            }
            var range = fields[0].Split('-');
            if (range.Length == 2
                && ulong.TryParse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong start)
                && ulong.TryParse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong end)
                && at >= start && at < end)
            {
                return fields[5].Trim();
            }
        }
        return null;
    }
}
