using PRoLoRA.Native.IO.FileSystem;

namespace PRoLoRA.Native.IO.Output;

/// <summary>
/// Saves a folder of files (an adapter's weights and config) as one: the files are written into a
/// temporary sibling folder, the destination's other entries are carried over as hard links
/// (<see cref="FolderMirror"/>), and the new folder is swapped with the old one in one atomic rename
/// (renameat2 RENAME_EXCHANGE; a plain rename when nothing was there). A kill at any step leaves the
/// old folder or the new one, never new weights beside an old config; what it leaves behind is a
/// temporary folder that the next save to the same destination deletes. Where the file system
/// cannot exchange (not Linux, some network file systems) the swap is two renames, and a kill between
/// them leaves the old folder under its temporary name.
/// </summary>
internal static class AtomicFolder
{
    /// <summary>Writes <paramref name="files"/> (name → writer) as the folder <paramref name="path"/>.</summary>
    public static void Write(string path, IReadOnlyList<(string Name, Action<Stream> Write)> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var target = SaveTarget.ForFolder(path);
        target.SaveThrough(temp =>
        {
            Directory.CreateDirectory(temp);
            foreach (var (name, write) in files)
            {
                AtomicFile.WriteNew(Path.Combine(temp, name), write);
                SaveFaults.At($"folder:written {name}");
            }
            if (target.Exists)
            {
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(temp, File.GetUnixFileMode(target.FullPath));
                }
                FolderMirror.CarryOthers(target.FullPath, temp, files.Select(f => f.Name).ToHashSet(StringComparer.Ordinal));
                SaveFaults.At("folder:others carried");
            }
            Renames.SyncFolder(temp);
            Swap(target, temp);
        });
    }

    /// <summary>Puts the new folder <paramref name="temp"/> in place; the old one, if any, goes (its name then holds the old folder).</summary>
    private static void Swap(SaveTarget target, string temp)
    {
        if (!target.Exists)
        {
            Renames.MoveNoReplace(temp, target.FullPath);
            SaveFaults.At("folder:renamed");
        }
        else if (Renames.TryExchange(temp, target.FullPath))
        {
            SaveFaults.At("folder:swapped");
            Temporaries.Delete(temp);
            SaveFaults.At("folder:old deleted");
        }
        else
        {
            var old = Temporaries.Reserve(target.FullPath);
            try
            {
                Directory.Move(target.FullPath, old);
                try
                {
                    SaveFaults.At("folder:old moved aside");
                    Directory.Move(temp, target.FullPath);
                }
                catch
                {
                    Directory.Move(old, target.FullPath);
                    throw;
                }
                SaveFaults.At("folder:renamed");
                Temporaries.Delete(old);
            }
            finally
            {
                Temporaries.Release(old);
            }
        }
        Renames.SyncFolder(target.Folder);
    }
}
