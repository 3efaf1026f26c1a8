using PRoLoRA.Native.IO.Output;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.IO.Output;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class AtomicSaveTests
{
    private const string DeadPid = "999999999";

    private static Action<Stream> Bytes(params byte[] bytes) => s => s.Write(bytes);

    private static string[] Entries(string folder) => [.. Directory.GetFileSystemEntries(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

    [Test]
    public void AFileSave_ReplacesARegularFile_KeepingItsPermissions()
    {
        using var dir = new TempFolder();
        var path = dir.File("x.bin");
        File.WriteAllBytes(path, [1]);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        AtomicFile.Write(path, Bytes(2, 3));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(new byte[] { 2, 3 }));
        Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(Entries(dir.Path), Is.EqualTo(new[] { "x.bin" }));
    }

    [Test]
    public void AFileSave_ReplacesNoFifoLinkOrFolder()
    {
        using var dir = new TempFolder();
        var fifo = SpecialFiles.Fifo(dir.File("fifo"));
        var link = dir.File("link");
        File.CreateSymbolicLink(link, fifo);
        Directory.CreateDirectory(dir.File("folder"));
        Assert.That(() => AtomicFile.Write(fifo, Bytes(1)), Throws.InstanceOf<IOException>().With.Message.Contains("is a FIFO (named pipe); a save replaces only a regular file"));
        Assert.That(() => AtomicFile.Write(link, Bytes(1)), Throws.InstanceOf<IOException>().With.Message.Contains("is a symbolic link"));
        Assert.That(() => AtomicFile.Write(dir.File("folder"), Bytes(1)), Throws.InstanceOf<IOException>().With.Message.Contains("is a folder"));
        Assert.That(SpecialFiles.IsSpecial(fifo), Is.True);
        Assert.That(new FileInfo(link).LinkTarget, Is.EqualTo(fifo));
        Assert.That(Entries(dir.Path), Is.EqualTo(new[] { "fifo", "folder", "link" }));
    }

    [Test]
    public void AFailedFileSave_LeavesTheOldFile_AndRemovesTheFoldersItMade()
    {
        using var dir = new TempFolder();
        var old = dir.File("x.bin");
        File.WriteAllBytes(old, [1]);
        Assert.That(() => AtomicFile.Write(old, _ => throw new InvalidDataException("boom")), Throws.TypeOf<InvalidDataException>());
        Assert.That(File.ReadAllBytes(old), Is.EqualTo(new byte[] { 1 }));
        Assert.That(() => AtomicFile.Write(dir.File("a/b/c.bin"), _ => throw new InvalidDataException("boom")), Throws.TypeOf<InvalidDataException>());
        Assert.That(Entries(dir.Path), Is.EqualTo(new[] { "x.bin" }));
    }

    [Test]
    public void StaleTemporaries_AreDeletedByTheNextSave_ButNotThoseOfARunningProcess()
    {
        using var dir = new TempFolder();
        string Temp(string owner) => $".x.bin.{owner}{Guid.NewGuid():N}.tmp";
        var dead = Temp($"prolora-{DeadPid}-");
        var legacy = Temp("");
        var ours = Temp($"prolora-{Environment.ProcessId}-");
        var running = Temp("prolora-1-");
        var otherDestination = $".y.bin.prolora-{DeadPid}-{Guid.NewGuid():N}.tmp";
        foreach (var name in new[] { dead, legacy, ours, running, otherDestination })
        {
            File.WriteAllBytes(dir.File(name), new byte[1000]);
        }
        Directory.CreateDirectory(dir.File(Temp($"prolora-{DeadPid}-")));
        File.WriteAllBytes(Path.Combine(dir.File(Directory.GetDirectories(dir.Path).Single()), "inner"), [1]);

        AtomicFile.Write(dir.File("x.bin"), Bytes(7));

        Assert.That(Entries(dir.Path), Is.EquivalentTo(new[] { "x.bin", running, otherDestination }),
            "a dead process's, the old naming's and this process's unused temporaries go; a live process's and another file's stay");
    }

    [Test]
    public void AFolderSave_KeepsTheFoldersOtherEntries_AsTheSameFiles()
    {
        using var dir = new TempFolder();
        var folder = dir.File("adapter");
        AtomicFolder.Write(folder, [("a.bin", Bytes(1)), ("b.json", Bytes(2))]);
        File.WriteAllText(Path.Combine(folder, "README.md"), "notes");
        Directory.CreateDirectory(Path.Combine(folder, "checkpoint-5"));
        File.WriteAllText(Path.Combine(folder, "checkpoint-5", "state"), "s");
        File.CreateSymbolicLink(Path.Combine(folder, "latest"), "checkpoint-5");
        File.WriteAllBytes(Path.Combine(folder, $".a.bin.{Guid.NewGuid():N}.tmp"), [9]);
        File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        long readmeInode = Inode(Path.Combine(folder, "README.md"));

        AtomicFolder.Write(folder, [("a.bin", Bytes(3)), ("b.json", Bytes(4))]);

        Assert.That(Entries(folder), Is.EqualTo(new[] { "README.md", "a.bin", "b.json", "checkpoint-5", "latest" }), "our stale temporary is not carried over");
        Assert.That(File.ReadAllBytes(Path.Combine(folder, "a.bin")), Is.EqualTo(new byte[] { 3 }));
        Assert.That(File.ReadAllText(Path.Combine(folder, "checkpoint-5", "state")), Is.EqualTo("s"));
        Assert.That(new FileInfo(Path.Combine(folder, "latest")).LinkTarget, Is.EqualTo("checkpoint-5"));
        Assert.That(Inode(Path.Combine(folder, "README.md")), Is.EqualTo(readmeInode), "carried as a hard link, not copied");
        Assert.That(File.GetUnixFileMode(folder), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
        Assert.That(Entries(dir.Path), Is.EqualTo(new[] { "adapter" }), "the old folder is gone");
    }

    [Test]
    public void AFailedFolderSave_LeavesTheOldFolderAndNoTemporaries()
    {
        using var dir = new TempFolder();
        var folder = dir.File("adapter");
        AtomicFolder.Write(folder, [("a.bin", Bytes(1))]);
        Assert.That(() => AtomicFolder.Write(folder, [("a.bin", Bytes(2)), ("b.bin", _ => throw new InvalidDataException("boom"))]), Throws.TypeOf<InvalidDataException>());
        Assert.That(Entries(folder), Is.EqualTo(new[] { "a.bin" }));
        Assert.That(File.ReadAllBytes(Path.Combine(folder, "a.bin")), Is.EqualTo(new byte[] { 1 }));
        Assert.That(() => AtomicFolder.Write(dir.File("new/deeper"), [("a.bin", _ => throw new InvalidDataException("boom"))]), Throws.TypeOf<InvalidDataException>());
        Assert.That(Entries(dir.Path), Is.EqualTo(new[] { "adapter" }));
    }

    [Test]
    public void AFolderSave_ReplacesNoFileOrLink()
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("file"), [1]);
        Directory.CreateDirectory(dir.File("real"));
        Directory.CreateSymbolicLink(dir.File("link"), dir.File("real"));
        Assert.That(() => AtomicFolder.Write(dir.File("file"), [("a", Bytes(1))]), Throws.InstanceOf<IOException>().With.Message.Contains("is a regular file; a save replaces only a folder"));
        Assert.That(() => AtomicFolder.Write(dir.File("link"), [("a", Bytes(1))]), Throws.InstanceOf<IOException>().With.Message.Contains("is a symbolic link"));
        Assert.That(Entries(dir.Path), Is.EqualTo(new[] { "file", "link", "real" }));
        Assert.That(Entries(dir.File("real")), Is.Empty);
    }

    private static long Inode(string path) => (long)PRoLoRA.Native.IO.FileSystem.FileStatus.Of(path).Inode;
}
