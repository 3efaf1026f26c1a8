using System.Text.Json;
using PRoLoRA.Cli.Demo;
using PRoLoRA.Native.IO;
using PRoLoRA.Native.Tests.IO;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Cli;

/// <summary>
/// The main job (`prolora train`, no --model) in a few steps: per task a PRoLoRA and a LoRA adapter
/// folder on all 28 linears of the shipped base, results.json, loss.png and the table.
/// </summary>
public class MainJobTests
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    [Test]
    public void AFewSteps_WritesEveryAdapterFolderTheResultsThePlotAndTheTable()
    {
        using var folder = new TempFolder();
        var dir = folder.File("run");

        var (code, o, e) = LlamaCli.Run("train", "--steps", "2", "--out", dir, "--seed", "1");

        Assert.That(code, Is.Zero, e);
        foreach (var method in new[] { "prolora", "lora" })
        {
            foreach (var task in DemoTasks.Names)
            {
                var configs = ProLoraAdapterFolder.LoadConfigs(Path.Combine(dir, method, task));
                Assert.That(configs, Has.Count.EqualTo(28), $"{method}/{task}");
                Assert.That(configs.All(c => c.Value.Rank == (method == "prolora" ? 8 : 2)), $"{method}/{task}");
            }
        }
        Assert.That(File.ReadAllBytes(Path.Combine(dir, "loss.png")).Take(8), Is.EqualTo(PngSignature));

        using var results = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "results.json")));
        var runs = results.RootElement.GetProperty("runs").EnumerateArray().ToList();
        Assert.That(runs.Select(r => $"{r.GetProperty("method").GetString()}/{r.GetProperty("task").GetString()}"), Is.EquivalentTo(new[] { "prolora/add", "lora/add", "prolora/date", "lora/date", "prolora/lookup", "lora/lookup" }));
        Assert.That(runs.Select(r => r.GetProperty("trainable_parameters").GetInt64()).Distinct(), Is.EqualTo(new[] { 16_352L }), "the same budget");
        foreach (var r in runs)
        {
            Assert.That(r.GetProperty("exact_match").GetDouble(), Is.InRange(0.0, 1.0));
            Assert.That(r.GetProperty("validation_loss").GetDouble(), Is.GreaterThan(0.0));
            Assert.That(r.GetProperty("history").EnumerateArray().Select(p => p.GetProperty("step").GetInt32()), Is.EqualTo(new[] { 0, 1, 2 }));
        }

        Assert.That(o, Does.Contain("[prolora/add] step 2/2").And.Contain("tok/s").And.Contain("eta"));
        Assert.That(o, Does.Contain("| lookup | lora    | r=2 "));
        Assert.That(o, Does.Contain("trainable parameters: 16,352"));
    }

    [Test]
    public void AnUnwritableOutput_ExitsTwoBeforeAnyWork()
    {
        using var folder = new TempFolder();
        var file = folder.File("a-file");
        File.WriteAllText(file, "not a folder");
        var (code, _, e) = LlamaCli.Run("train", "--steps", "1", "--out", Path.Combine(file, "run"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(e, Does.Contain("cannot write to the output folder"));
    }
}
