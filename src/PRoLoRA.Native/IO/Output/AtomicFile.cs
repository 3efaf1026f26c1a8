using PRoLoRA.Native.IO.FileSystem;

namespace PRoLoRA.Native.IO.Output;

/// <summary>
/// Saves one file atomically: written beside its destination under a temporary name
/// (<see cref="Temporaries"/>), flushed to disk, then renamed over the destination. A failed or
/// killed save never leaves a half-written file; the destination is either the old file or the new
/// one. Only a regular file (or nothing) is replaced (<see cref="SaveTarget"/>); the new file keeps
/// the old one's permissions.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="write"/>'s output to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var target = SaveTarget.ForFile(path);
        target.SaveThrough(temp =>
        {
            WriteNew(temp, write);
            if (target.Exists && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, File.GetUnixFileMode(target.FullPath));
            }
            SaveFaults.At("file:written");
            File.Move(temp, target.FullPath, overwrite: true);
            SaveFaults.At("file:renamed");
            Renames.SyncFolder(target.Folder);
        });
    }

    /// <summary>Creates <paramref name="path"/> (which must not exist), writes it and flushes it to disk.</summary>
    internal static void WriteNew(string path, Action<Stream> write)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        write(stream);
        stream.Flush(flushToDisk: true);
    }
}
