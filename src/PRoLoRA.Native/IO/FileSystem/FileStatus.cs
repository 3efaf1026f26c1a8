using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace PRoLoRA.Native.IO.FileSystem;

/// <summary>What a path names.</summary>
internal enum FileKind
{
    /// <summary>Nothing.</summary>
    Missing,

    /// <summary>A regular file.</summary>
    Regular,

    /// <summary>A folder.</summary>
    Directory,

    /// <summary>A symbolic link (only when links are not followed).</summary>
    SymbolicLink,

    /// <summary>A FIFO (named pipe): reading it blocks until a writer comes.</summary>
    Fifo,

    /// <summary>A character device such as /dev/zero.</summary>
    CharacterDevice,

    /// <summary>A block device.</summary>
    BlockDevice,

    /// <summary>A Unix socket.</summary>
    Socket,
}

/// <summary>A path's kind, size and identity (device and inode), from statx on Linux.</summary>
internal readonly record struct FileStatus(FileKind Kind, long Size, ulong Device, ulong Inode)
{
    /// <summary>The status of <paramref name="path"/>; <see cref="FileKind.Missing"/> when nothing is there.</summary>
    public static FileStatus Of(string path, bool followLinks = true)
    {
        if (!OperatingSystem.IsLinux())
        {
            return Managed(path, followLinks);
        }
        return Statx(Posix.AtCurrentFolder, path, followLinks ? 0 : Posix.AtSymlinkNoFollow, path);
    }

    /// <summary>The status of an open file.</summary>
    public static FileStatus Of(SafeFileHandle handle, string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return Managed(path, followLinks: true);
        }
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return Statx((int)handle.DangerousGetHandle(), "", Posix.AtEmptyPath, path);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>True when both name the same file (same device and inode; always false where the identity is unknown).</summary>
    public bool IsSameFileAs(FileStatus other) => Kind != FileKind.Missing && Inode != 0 && Device == other.Device && Inode == other.Inode;

    /// <summary>The kind in words, for messages: "a folder", "a FIFO (named pipe)".</summary>
    public string Description => Kind switch
    {
        FileKind.Missing => "missing",
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a folder",
        FileKind.SymbolicLink => "a symbolic link",
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        _ => "a socket",
    };

    private static unsafe FileStatus Statx(int dirFd, string path, int flags, string shownPath)
    {
        byte* buffer = stackalloc byte[Posix.StatxSize];
        if (Posix.Statx(dirFd, path, flags, Posix.StatxBasicStats, buffer) != 0)
        {
            var (errno, text) = Posix.LastError();
            if (errno is Posix.ENOENT or Posix.ENOTDIR)
            {
                return new FileStatus(FileKind.Missing, 0, 0, 0);
            }
            throw new IOException($"{shownPath}: cannot read its status: {text}");
        }
        var span = new ReadOnlySpan<byte>(buffer, Posix.StatxSize);
        int mode = BinaryPrimitives.ReadUInt16LittleEndian(span[Posix.StatxModeOffset..]);
        var kind = (mode & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.SymbolicLink,
            0x1000 => FileKind.Fifo,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            _ => FileKind.Socket,
        };
        ulong device = ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(span[Posix.StatxDeviceMajorOffset..]) << 32)
            | BinaryPrimitives.ReadUInt32LittleEndian(span[Posix.StatxDeviceMinorOffset..]);
        return new FileStatus(
            kind,
            (long)BinaryPrimitives.ReadUInt64LittleEndian(span[Posix.StatxSizeOffset..]),
            device,
            BinaryPrimitives.ReadUInt64LittleEndian(span[Posix.StatxInodeOffset..]));
    }

    /// <summary>Outside Linux: what .NET can tell (no FIFOs or devices there to guard against in our use; no identity).</summary>
    private static FileStatus Managed(string path, bool followLinks)
    {
        var info = new FileInfo(path);
        if (!followLinks && info.LinkTarget is not null)
        {
            return new FileStatus(FileKind.SymbolicLink, 0, 0, 0);
        }
        if (Directory.Exists(path))
        {
            return new FileStatus(FileKind.Directory, 0, 0, 0);
        }
        return info.Exists ? new FileStatus(FileKind.Regular, info.Length, 0, 0) : new FileStatus(FileKind.Missing, 0, 0, 0);
    }
}
