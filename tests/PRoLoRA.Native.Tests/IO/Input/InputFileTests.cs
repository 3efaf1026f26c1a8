using PRoLoRA.Native.IO.Input;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.IO.Input;

public class InputFileTests
{
    [Test]
    public void AFifo_IsRejectedAtOnce_NotReadForever()
    {
        using var dir = new TempFolder();
        var fifo = SpecialFiles.Fifo(dir.File("f"));
        var e = NoHang.Run(() => Assert.Throws<IOException>(() => InputFile.ReadAllBytes(fifo, 100)));
        Assert.That(e!.Message, Is.EqualTo($"{fifo}: is a FIFO (named pipe), not a regular file"));
    }

    [Test]
    public void ALinkToAFifo_IsRejectedToo()
    {
        using var dir = new TempFolder();
        var link = dir.File("link");
        File.CreateSymbolicLink(link, SpecialFiles.Fifo(dir.File("f")));
        NoHang.Run(() => Assert.Throws<IOException>(() => InputFile.OpenRegular(link).Dispose()));
    }

    [TestCase("/dev/zero", "a character device")]
    [TestCase("/tmp", "a folder")]
    public void NonRegularFiles_AreRejectedNamingWhatTheyAre(string path, string kind)
        => Assert.That(() => InputFile.ReadAllBytes(path, 100), Throws.InstanceOf<IOException>().With.Message.EqualTo($"{path}: is {kind}, not a regular file"));

    [Test]
    public void AMissingFile_IsAFileNotFoundNamingIt()
        => Assert.That(() => InputFile.OpenRegular("/nonexistent/x.json"), Throws.TypeOf<FileNotFoundException>().With.Message.EqualTo("/nonexistent/x.json: no such file"));

    [Test]
    public void AFileLargerThanTheLimit_IsRejectedBeforeItIsRead()
    {
        using var dir = new TempFolder();
        var path = dir.File("big");
        File.WriteAllBytes(path, new byte[1000]);
        Assert.That(() => InputFile.ReadAllBytes(path, 999), Throws.TypeOf<InvalidDataException>().With.Message.Contains("1,000 bytes, more than the 999"));
        Assert.That(InputFile.ReadAllBytes(path, 1000), Has.Length.EqualTo(1000));
    }

    [Test]
    public void ALinkToARegularFile_IsFollowed()
    {
        using var dir = new TempFolder();
        var target = dir.File("t");
        File.WriteAllBytes(target, [1, 2, 3]);
        var link = dir.File("l");
        File.CreateSymbolicLink(link, target);
        Assert.That(InputFile.ReadAllBytes(link, 10), Is.EqualTo(new byte[] { 1, 2, 3 }));
    }
}
