using PRoLoRA.Native.IO.FileSystem;

namespace PRoLoRA.Cli.Pretraining;

/// <summary>Checks before a long run that its output folder can be written, so that a bad --out fails in a second, not after the training.</summary>
public static class OutputCheck
{
    /// <summary>
    /// Throws an <see cref="IOException"/> (or <see cref="UnauthorizedAccessException"/>) when
    /// <paramref name="folder"/> is something other than a folder, or when the nearest existing
    /// folder above it does not let a folder be made in it.
    /// </summary>
    public static void Writable(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        string full = Path.GetFullPath(folder);
        var status = FileStatus.Of(full);
        if (status.Kind is not (FileKind.Missing or FileKind.Directory))
        {
            throw new IOException($"{folder}: is {status.Description}, not a folder");
        }
        string? ancestor = Path.GetDirectoryName(full);
        while (ancestor is not null && FileStatus.Of(ancestor).Kind == FileKind.Missing)
        {
            ancestor = Path.GetDirectoryName(ancestor);
        }
        if (ancestor is null || FileStatus.Of(ancestor).Kind != FileKind.Directory)
        {
            throw new IOException($"{folder}: cannot be made, {ancestor ?? "its root"} is not a folder");
        }
        string probe = Path.Combine(ancestor, $".prolora-probe-{Guid.NewGuid():N}");
        Directory.CreateDirectory(probe);
        Directory.Delete(probe);
    }
}
