namespace PRoLoRA.Native.Tests.Fuzz;

/// <summary>
/// Time-boxed, seeded fuzzing of every reader of untrusted input (and the writers fed with what
/// they load), one test per target family; every tenth case also goes through the CLI. The output
/// says how many cases ran and how far they got. Knobs: PROLORA_FUZZ_SECONDS (per target, default
/// 5), PROLORA_FUZZ_SEED (the base seed; fixed by default). A failing case is saved under the test's
/// work directory (fuzz-failures/), and the message says how to keep it as a regression fixture.
/// </summary>
public class FuzzTests
{
    [Test]
    public void Safetensors() => Fuzz("safetensors");

    [Test]
    public void AdapterFolder() => Fuzz("adapter-folder");

    [Test]
    public void Golden() => Fuzz("golden");

    [Test]
    public void LlamaCheckpoint() => Fuzz("llama-checkpoint");

    [Test]
    public void Tokenizer() => Fuzz("tokenizer");

    private static void Fuzz(string name)
    {
        var target = FuzzTarget.ByName(name);
        var settings = FuzzSettings.FromEnvironment();
        using var scratch = new FuzzScratch();
        var report = FuzzRunner.Run(target, settings, scratch.Path);
        TestContext.Out.WriteLine(report.Summary);
        Assert.That(report.Failures, Is.Empty, $"{report.Summary}\n\n{string.Join("\n", report.Failures)}");
    }
}
