using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Cli;

public class CliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = PRoLoRA.Cli.Cli.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static string LastLine(string text) => text.TrimEnd().Split('\n')[^1].Trim();

    [Test]
    public void Params_Llama2_7B_ProLora_PrintsThePaperCountLast()
    {
        var (code, o, _) = Run("params", "--model", "llama2-7b", "--method", "prolora", "--r", "8", "--unshared", "1", "--reduce-a", "7", "--reduce-b", "7");
        Assert.That(code, Is.Zero);
        Assert.That(LastLine(o), Is.EqualTo("trainable parameters: 4999520"));
        Assert.That(o, Does.Contain("gate_proj").And.Contain("bf16 bytes"));
    }

    [Test]
    public void Params_OneLinear()
    {
        var (code, o, _) = Run("params", "--in", "10", "--out", "9", "--method", "prolora", "--r", "5", "--unshared", "1", "--reduce-a", "3", "--reduce-b", "2");
        Assert.That(code, Is.Zero);
        Assert.That(LastLine(o), Is.EqualTo("trainable parameters: 55"));
    }

    [TestCase("--r", "0", "rank r must be > 0")]
    [TestCase("--r", "4", "unshared rank u", "--unshared", "5")]
    [TestCase("--r", "4", "reduce_a", "--reduce-a", "0")]
    [TestCase("--r", "4", "reduce_b", "--reduce-b", "99999")]
    public void Params_BadInput_ExitsTwoNamingTheProblem(string flag, string value, string message, params string[] more)
    {
        var (code, o, e) = Run(["params", "--model", "llama2-7b", flag, value, .. more]);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(e, Does.Contain(message));
        Assert.That(o, Is.Empty);
    }

    [Test]
    public void Params_UnknownModel() => Assert.That(Run("params", "--model", "gpt9", "--r", "8").Err, Does.Contain("unknown model 'gpt9'"));

    [Test]
    public void UnknownOption_ExitsTwo() => Assert.That(Run("params", "--bogus").Code, Is.EqualTo(2));

    [Test]
    public void VerifyGolden_OnCpu_PassesAllTwelve()
    {
        var (code, o, _) = Run("verify-golden", GoldenPath.Official, "--device", "cpu");
        Assert.That(code, Is.Zero);
        Assert.That(LastLine(o), Is.EqualTo("12 passed, 0 failed"));
    }

    [Test]
    public void VerifyGolden_MissingFile_ExitsTwo()
    {
        var (code, _, e) = Run("verify-golden", "/nonexistent/golden.json");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(e, Does.Contain("/nonexistent/golden.json"));
    }

    [Test]
    public void VerifyGolden_NotJson_ExitsTwo()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, "{ \"format\": ");
        try
        {
            var (code, _, e) = Run("verify-golden", path);
            Assert.That(code, Is.EqualTo(2));
            Assert.That(e, Does.Contain("not valid JSON"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void VerifyGolden_UnknownDevice_ExitsTwo()
        => Assert.That(Run("verify-golden", GoldenPath.Official, "--device", "tpu").Err, Does.Contain("unknown device 'tpu'"));
}
