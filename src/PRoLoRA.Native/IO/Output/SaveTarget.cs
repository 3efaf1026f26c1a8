using PRoLoRA.Native.IO.FileSystem;

namespace PRoLoRA.Native.IO.Output;

/// <summary>
/// Where a save may write. A save replaces only what it would write itself: a regular file (or
/// nothing) for a file, a folder (or nothing) for a folder; never a device node, a FIFO or a
/// symbolic link, which a rename would silently swap for a regular file. Missing parent folders
/// are created, and removed again when the save fails (<see cref="SaveThrough"/>), so a failed save
/// leaves nothing behind.
/// </summary>
internal sealed class SaveTarget
{
    private readonly string? _createdTop;

    private SaveTarget(string fullPath, bool exists, string? createdTop)
    {
        FullPath = fullPath;
        Exists = exists;
        _createdTop = createdTop;
    }

    /// <summary>The destination's full path.</summary>
    public string FullPath { get; }

    /// <summary>The folder the destination lives in.</summary>
    public string Folder => Path.GetDirectoryName(FullPath)!;

    /// <summary>True when something of the right kind is there now and will be replaced.</summary>
    public bool Exists { get; }

    /// <summary>Checks <paramref name="path"/> as a file destination and creates its folder.</summary>
    public static SaveTarget ForFile(string path) => Prepare(path, FileKind.Regular, "a regular file");

    /// <summary>Checks <paramref name="path"/> as a folder destination and creates its parent.</summary>
    public static SaveTarget ForFolder(string path) => Prepare(path, FileKind.Directory, "a folder");

    /// <summary>
    /// Runs <paramref name="save"/> with a fresh temporary path beside the destination, after deleting
    /// the stale temporaries of earlier saves here. When it fails, the temporary and the folders made
    /// for the destination are removed.
    /// </summary>
    public void SaveThrough(Action<string> save)
    {
        Temporaries.RemoveStale(FullPath);
        var temp = Temporaries.Reserve(FullPath);
        bool done = false;
        try
        {
            save(temp);
            done = true;
        }
        finally
        {
            if (!done)
            {
                Temporaries.Delete(temp);
                RemoveCreatedFolders();
            }
            Temporaries.Release(temp);
        }
    }

    private void RemoveCreatedFolders()
    {
        if (_createdTop is null)
        {
            return;
        }
        for (var dir = Folder; dir.Length >= _createdTop.Length; dir = Path.GetDirectoryName(dir)!)
        {
            try
            {
                Directory.Delete(dir);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return;
            }
        }
    }

    private static SaveTarget Prepare(string path, FileKind kind, string kindText)
    {
        if (string.IsNullOrEmpty(path))
        {
            throw new ArgumentException("the output path is empty", nameof(path));
        }
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        if (Path.GetDirectoryName(full) is null)
        {
            throw new ArgumentException($"{path}: a file system root cannot be saved over", nameof(path));
        }
        var status = FileStatus.Of(full, followLinks: false);
        if (status.Kind != FileKind.Missing && status.Kind != kind)
        {
            throw new IOException($"{path}: is {status.Description}; a save replaces only {kindText} (or nothing) there");
        }
        string? createdTop = CreateParents(path, Path.GetDirectoryName(full)!);
        return new SaveTarget(full, status.Kind == kind, createdTop);
    }

    /// <summary>Creates <paramref name="folder"/> and its missing parents; returns the topmost one created, or null.</summary>
    private static string? CreateParents(string path, string folder)
    {
        string? top = null;
        for (var dir = folder; dir is not null && FileStatus.Of(dir).Kind == FileKind.Missing; dir = Path.GetDirectoryName(dir))
        {
            top = dir;
        }
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{path}: cannot create the folder {folder}: {e.Message}", e);
        }
        return top;
    }
}
