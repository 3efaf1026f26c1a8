namespace PRoLoRA.Native.IO;

/// <summary>
/// A file written beside its destination under a temporary name, flushed to disk, then moved over
/// the destination: an interrupted save never leaves a half-written file. Dispose without
/// <see cref="Commit"/> deletes the temporary file.
/// </summary>
internal sealed class AtomicFile : IDisposable
{
    private bool _committed;

    private AtomicFile(string path, string tempPath)
    {
        Path = path;
        TempPath = tempPath;
    }

    /// <summary>The destination.</summary>
    public string Path { get; }

    /// <summary>The temporary file in the destination's folder.</summary>
    public string TempPath { get; }

    /// <summary>Writes <paramref name="write"/>'s output to a temporary file next to <paramref name="path"/>.</summary>
    public static AtomicFile Prepare(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var full = System.IO.Path.GetFullPath(path);
        var folder = System.IO.Path.GetDirectoryName(full) ?? throw new ArgumentException($"{path} has no folder", nameof(path));
        var temp = System.IO.Path.Combine(folder, $".{System.IO.Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        var file = new AtomicFile(full, temp);
        try
        {
            using var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
            write(stream);
            stream.Flush(flushToDisk: true);
        }
        catch
        {
            file.Dispose();
            throw;
        }
        return file;
    }

    /// <summary>Writes and moves into place in one go.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        using var file = Prepare(path, write);
        file.Commit();
    }

    /// <summary>Moves the temporary file over the destination.</summary>
    public void Commit()
    {
        File.Move(TempPath, Path, overwrite: true);
        _committed = true;
    }

    /// <summary>Deletes the temporary file unless committed.</summary>
    public void Dispose()
    {
        if (!_committed)
        {
            File.Delete(TempPath);
        }
    }
}
