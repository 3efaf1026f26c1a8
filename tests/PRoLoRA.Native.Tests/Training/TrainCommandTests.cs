using PRoLoRA.Native.Tests.IO;

namespace PRoLoRA.Native.Tests.Training;

public class TrainCommandTests
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = PRoLoRA.Cli.Cli.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Test]
    public void AFewSteps_WritesBothAdapterFoldersThePlotAndTheTable()
    {
        using var folder = new TempFolder();
        var dir = folder.File("run");

        var (code, o, e) = Run("train", "--steps", "2", "--out", dir, "--seed", "1");

        Assert.That(code, Is.Zero, e);
        foreach (var method in new[] { "prolora", "lora" })
        {
            Assert.That(File.Exists(Path.Combine(dir, method, "adapter_model.safetensors")), method);
            Assert.That(File.Exists(Path.Combine(dir, method, "adapter_config.json")), method);
        }
        Assert.That(File.ReadAllBytes(Path.Combine(dir, "loss.png")).Take(8), Is.EqualTo(PngSignature));
        Assert.That(o, Does.Contain("| prolora | r=8, u=1, m=n=7").And.Contain("| lora    | r=2 ").And.Contain("[prolora] step 2/2"));
        Assert.That(o, Does.Contain("trainable parameters: 2,226"));
    }

    [TestCase("0", "--steps must be > 0, got 0")]
    [TestCase("-5", "--steps must be > 0, got -5")]
    public void BadSteps_ExitsTwo(string steps, string message)
    {
        using var folder = new TempFolder();
        var (code, o, e) = Run("train", "--steps", steps, "--out", folder.File("run"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(e, Does.Contain(message));
        Assert.That(Directory.Exists(folder.File("run")), Is.False);
    }

    [Test]
    public void UnknownDevice_ExitsTwo()
    {
        using var folder = new TempFolder();
        var (code, _, e) = Run("train", "--device", "tpu", "--out", folder.File("run"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(e, Does.Contain("unknown device 'tpu'"));
    }

    [Test]
    public void UnwritableOutput_ExitsTwo()
    {
        using var folder = new TempFolder();
        var file = folder.File("a-file");
        File.WriteAllText(file, "not a folder");
        var (code, _, e) = Run("train", "--steps", "1", "--out", Path.Combine(file, "run"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(e, Does.Contain("cannot write to the output folder"));
    }

    [Test]
    public void BadLearningRate_ExitsTwo()
        => Assert.That(Run("train", "--lr", "-1").Err, Does.Contain("--lr must be > 0"));

    [Test]
    public void StepsNotANumber_ExitsTwo()
        => Assert.That(Run("train", "--steps", "many").Code, Is.EqualTo(2));
}
