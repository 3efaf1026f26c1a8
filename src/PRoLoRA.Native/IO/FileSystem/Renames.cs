namespace PRoLoRA.Native.IO.FileSystem;

/// <summary>The renames an atomic save needs, beyond <see cref="File.Move(string, string, bool)"/>.</summary>
internal static class Renames
{
    /// <summary>
    /// Swaps <paramref name="a"/> and <paramref name="b"/> (both must exist) in one atomic step
    /// (renameat2 RENAME_EXCHANGE). False where the system or file system cannot (not Linux, an old
    /// kernel, some network file systems); then nothing has changed.
    /// </summary>
    public static bool TryExchange(string a, string b)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }
        if (Posix.RenameAt2(Posix.AtCurrentFolder, a, Posix.AtCurrentFolder, b, Posix.RenameExchange) == 0)
        {
            return true;
        }
        var (errno, text) = Posix.LastError();
        return errno is Posix.EINVAL or Posix.ENOSYS or Posix.EOPNOTSUPP
            ? false
            : throw new IOException($"cannot swap {a} with {b}: {text}");
    }

    /// <summary>Renames <paramref name="from"/> to <paramref name="to"/>, failing if <paramref name="to"/> exists.</summary>
    public static void MoveNoReplace(string from, string to)
    {
        if (OperatingSystem.IsLinux())
        {
            if (Posix.RenameAt2(Posix.AtCurrentFolder, from, Posix.AtCurrentFolder, to, Posix.RenameNoReplace) == 0)
            {
                return;
            }
            var (errno, text) = Posix.LastError();
            if (errno == Posix.EEXIST)
            {
                throw new IOException($"{to}: appeared while it was being saved");
            }
            if (errno is not (Posix.EINVAL or Posix.ENOSYS or Posix.EOPNOTSUPP))
            {
                throw new IOException($"cannot rename {from} to {to}: {text}");
            }
        }
        Directory.Move(from, to);
    }

    /// <summary>Flushes a folder's entries (new names, renames) to disk; best effort, as not every file system can.</summary>
    public static void SyncFolder(string folder)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        int fd = Posix.Open(folder, Posix.OpenReadOnly | Posix.OpenCloseOnExec);
        if (fd >= 0)
        {
            Posix.Fsync(fd);
            Posix.Close(fd);
        }
    }
}
