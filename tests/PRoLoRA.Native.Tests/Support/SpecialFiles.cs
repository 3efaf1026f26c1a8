using System.Runtime.InteropServices;

namespace PRoLoRA.Native.Tests.Support;

/// <summary>Makes the non-regular files the bad-input tests feed to readers and saves: FIFOs, device nodes, symbolic links.</summary>
internal static partial class SpecialFiles
{
    /// <summary>True when the tests run as root (device nodes can be made).</summary>
    public static bool IsRoot => OperatingSystem.IsLinux() && GetEuid() == 0;

    /// <summary>Makes a FIFO (named pipe) at <paramref name="path"/>: reading it blocks until a writer comes.</summary>
    public static string Fifo(string path)
    {
        Assert.That(MkFifo(path, 0x1A4), Is.Zero, $"mkfifo {path}: errno {Marshal.GetLastPInvokeError()}");
        return path;
    }

    /// <summary>Makes a character device node like /dev/null (1, 3) at <paramref name="path"/>; root only (the test is ignored otherwise).</summary>
    public static string NullDevice(string path)
    {
        if (!IsRoot)
        {
            Assert.Ignore("making a device node needs root (CI runs as root)");
        }
        const uint CharacterDevice = 0x2000;
        Assert.That(MkNod(path, CharacterDevice | 0x1B6, (1UL << 8) | 3), Is.Zero, $"mknod {path}: errno {Marshal.GetLastPInvokeError()}");
        return path;
    }

    /// <summary>True when <paramref name="path"/> is a FIFO, socket or device (what `test -p/-c/-b/-S` tell).</summary>
    public static bool IsSpecial(string path)
    {
        using var test = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sh", ["-c", "test -p \"$1\" || test -c \"$1\" || test -b \"$1\" || test -S \"$1\"", "sh", path]))!;
        test.WaitForExit();
        return test.ExitCode == 0;
    }

    [LibraryImport("libc", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int MkFifo(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "mknod", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int MkNod(string path, uint mode, ulong device);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuid();
}
