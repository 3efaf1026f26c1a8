using System.Runtime.InteropServices;

namespace PRoLoRA.Native.IO.FileSystem;

/// <summary>
/// The few Linux calls .NET does not expose: open without blocking (a FIFO would block
/// <see cref="File.OpenHandle(string, FileMode, FileAccess, FileShare, FileOptions, long)"/> forever),
/// statx (the file type, which .NET does not report; its struct has one layout on every
/// architecture), renameat2 (atomic exchange of two folders), link and fsync.
/// Every call returns −1 and sets errno on failure (SetLastError).
/// </summary>
internal static unsafe partial class Posix
{
    public const int AtCurrentFolder = -100;
    public const int AtSymlinkNoFollow = 0x100;
    public const int AtEmptyPath = 0x1000;
    public const int OpenReadOnly = 0;
    public const int OpenNonBlocking = 0x800;
    public const int OpenCloseOnExec = 0x80000;
    public const uint StatxBasicStats = 0x7FF;
    public const uint RenameNoReplace = 1;
    public const uint RenameExchange = 2;

    public const int ENOENT = 2;
    public const int EACCES = 13;
    public const int EEXIST = 17;
    public const int EXDEV = 18;
    public const int ENOTDIR = 20;
    public const int EINVAL = 22;
    public const int ENOSYS = 38;
    public const int ELOOP = 40;
    public const int EOPNOTSUPP = 95;

    /// <summary>The size of struct statx.</summary>
    public const int StatxSize = 256;

    /// <summary>Offsets of the fields read from struct statx (linux/stat.h).</summary>
    public const int StatxModeOffset = 28;
    public const int StatxInodeOffset = 32;
    public const int StatxSizeOffset = 40;
    public const int StatxDeviceMajorOffset = 136;
    public const int StatxDeviceMinorOffset = 140;

    private const string Libc = "libc";

    [LibraryImport(Libc, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Open(string path, int flags);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Libc, EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(int fd);

    [LibraryImport(Libc, EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Statx(int dirFd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport(Libc, EntryPoint = "renameat2", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int RenameAt2(int oldDirFd, string oldPath, int newDirFd, string newPath, uint flags);

    [LibraryImport(Libc, EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Link(string existing, string newPath);

    /// <summary>errno of the last call, and its text.</summary>
    public static (int Errno, string Text) LastError()
    {
        int errno = Marshal.GetLastPInvokeError();
        return (errno, Marshal.GetPInvokeErrorMessage(errno));
    }
}
