using PRoLoRA.Native.IO.FileSystem;

namespace PRoLoRA.Native.IO.Output;

/// <summary>
/// Carries a folder's other entries (a README, a checkpoint subfolder: anything a folder save does
/// not write itself) into the new folder before the swap, as hard links, so nothing is copied and a
/// kill before the swap leaves the old folder whole. Where the file system has no hard links, files
/// are copied; symbolic links are recreated; our own stale temporaries are left behind.
/// </summary>
internal static class FolderMirror
{
    /// <summary>Mirrors the entries of <paramref name="from"/> not in <paramref name="skip"/> into <paramref name="to"/>.</summary>
    public static void CarryOthers(string from, string to, IReadOnlySet<string> skip)
    {
        foreach (var entry in Entries(from))
        {
            var name = Path.GetFileName(entry);
            if (!skip.Contains(name) && !Temporaries.IsTemporaryName(name))
            {
                Mirror(entry, Path.Combine(to, name));
            }
        }
    }

    private static void Mirror(string source, string target)
    {
        var status = FileStatus.Of(source, followLinks: false);
        switch (status.Kind)
        {
            case FileKind.Regular:
                LinkOrCopy(source, target);
                break;
            case FileKind.Directory:
                Directory.CreateDirectory(target);
                foreach (var entry in Entries(source))
                {
                    Mirror(entry, Path.Combine(target, Path.GetFileName(entry)));
                }
                break;
            case FileKind.SymbolicLink:
                File.CreateSymbolicLink(target, new FileInfo(source).LinkTarget!);
                break;
            case FileKind.Missing:
                break;
            default:
                throw new IOException($"{source}: is {status.Description}; a folder save keeps the folder's other entries, and cannot carry this one over");
        }
    }

    private static void LinkOrCopy(string source, string target)
    {
        if (OperatingSystem.IsLinux() && Posix.Link(source, target) == 0)
        {
            return;
        }
        File.Copy(source, target);
    }

    private static IEnumerable<string> Entries(string folder)
        => Directory.EnumerateFileSystemEntries(folder, "*", new EnumerationOptions { AttributesToSkip = 0, MatchType = MatchType.Simple });
}
