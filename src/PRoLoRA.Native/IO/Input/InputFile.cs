using Microsoft.Win32.SafeHandles;
using PRoLoRA.Native.IO.FileSystem;

namespace PRoLoRA.Native.IO.Input;

/// <summary>
/// Opens files of untrusted input. Only regular files are read: a folder, a FIFO, a device or a
/// socket is an <see cref="IOException"/> that names the path and what it is (a FIFO would block a
/// plain open forever, /dev/zero would never end). The kind is checked before the open, so a device
/// is never opened, and again on the open file, which is opened without blocking, so a path swapped
/// for a FIFO in between cannot hang the reader either. Sizes are bounded before anything is allocated.
/// </summary>
internal static class InputFile
{
    /// <summary>Opens <paramref name="path"/> for reading; throws unless it is a regular file.</summary>
    public static SafeFileHandle OpenRegular(string path)
    {
        if (string.IsNullOrEmpty(path))
        {
            throw new ArgumentException("the input path is empty", nameof(path));
        }
        RequireRegular(path, FileStatus.Of(path));
        var handle = Open(path);
        try
        {
            RequireRegular(path, FileStatus.Of(handle, path));
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The whole of <paramref name="path"/>, at most <paramref name="maxBytes"/> bytes (more is an <see cref="InvalidDataException"/>).</summary>
    public static byte[] ReadAllBytes(string path, long maxBytes)
    {
        using var handle = OpenRegular(path);
        long length = RandomAccess.GetLength(handle);
        if (length > maxBytes)
        {
            throw new InvalidDataException($"{path}: {length:N0} bytes, more than the {maxBytes:N0} such a file may have");
        }
        var bytes = new byte[length];
        int read = 0;
        while (read < bytes.Length)
        {
            int n = RandomAccess.Read(handle, bytes.AsSpan(read), read);
            if (n == 0)
            {
                throw new InvalidDataException($"{path}: the file shrank from {length} to {read} bytes while it was read");
            }
            read += n;
        }
        return bytes;
    }

    private static void RequireRegular(string path, FileStatus status)
    {
        switch (status.Kind)
        {
            case FileKind.Regular:
                return;
            case FileKind.Missing:
                throw new FileNotFoundException($"{path}: no such file", path);
            default:
                throw new IOException($"{path}: is {status.Description}, not a regular file");
        }
    }

    private static SafeFileHandle Open(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        int fd = Posix.Open(path, Posix.OpenReadOnly | Posix.OpenNonBlocking | Posix.OpenCloseOnExec);
        if (fd < 0)
        {
            var (errno, text) = Posix.LastError();
            throw errno switch
            {
                Posix.ENOENT or Posix.ENOTDIR => new FileNotFoundException($"{path}: no such file", path),
                Posix.EACCES => new UnauthorizedAccessException($"{path}: permission denied"),
                _ => new IOException($"{path}: cannot be opened: {text}"),
            };
        }
        return new SafeFileHandle(fd, ownsHandle: true);
    }
}
