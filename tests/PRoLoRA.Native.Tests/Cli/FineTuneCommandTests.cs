using System.Diagnostics;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.IO;
using PRoLoRA.Native.Tests.IO;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Cli;

/// <summary>
/// `prolora train --model DIR --data FILE`: the adapter it writes, the method and target options,
/// a process killed mid-run and resumed from its last checkpoint ending on the uninterrupted run's
/// adapter, and bad input (exit 2, naming the option or the file).
/// </summary>
public class FineTuneCommandTests
{
    /// <summary>The train arguments; an option of <paramref name="more"/> replaces the default one.</summary>
    private static string[] Args(string model, string data, string output, params string[] more)
    {
        string[][] defaults = [["--batch-size", "4"], ["--seq-len", "24"], ["--lr", "1e-2"], ["--seed", "3"]];
        return ["train", "--model", model, "--data", data, "--out", output, .. defaults.Where(d => !more.Contains(d[0])).SelectMany(d => d), .. more];
    }

    [Test]
    public void ProLora_OnAllSevenModules_WritesALoadableAdapterAndLowersTheValidationLoss()
    {
        using var folder = new TempFolder();
        var (code, o, e, output) = TwelveSteps(folder);

        Assert.That(code, Is.Zero, e);
        Assert.That(o, Does.Contain("[prolora] step 12/12").And.Contain("14 modules (all seven leaves)").And.Contain("tok/s").And.Contain("eta"));
        var configs = ProLoraAdapterFolder.LoadConfigs(output);
        Assert.That(configs.Select(c => c.Key), Has.Member("model.layers.1.mlp.down_proj").And.Member("model.layers.0.self_attn.k_proj"));
        Assert.That(configs, Has.Count.EqualTo(14));
        Assert.That(configs.Select(c => (c.Value.Rank, c.Value.UnsharedRank, c.Value.ReduceA, c.Value.ReduceB)).Distinct(), Is.EqualTo(new[] { (8, 1, 7, 7) }));
        AssertValidationLossFell(o);
    }

    [Test]
    public void ProLora_OnAnNf4Base_TrainsAndLowersTheValidationLoss()
    {
        using var folder = new TempFolder();
        var (code, o, e, output) = TwelveSteps(folder, "--base-dtype", "nf4", "--double-quant");

        Assert.That(code, Is.Zero, e);
        Assert.That(o, Does.Contain("linears nf4 (double-quantised)"));
        Assert.That(ProLoraAdapterFolder.LoadConfigs(output), Has.Count.EqualTo(14));
        AssertValidationLossFell(o);
    }

    [Test]
    public void Lora_OnSomeModules_SavesThoseModulesWithEveryRankUnshared()
    {
        using var folder = new TempFolder();
        var model = FineTuneRun.Model(folder);
        var data = FineTuneRun.Data(folder, "train.jsonl", 16, seed: 1);
        var output = folder.File("run");

        var (code, o, e) = LlamaCli.Run(Args(model, data, output, "--steps", "2", "--method", "lora", "--rank", "4", "--target-modules", "q_proj,v_proj", "--dropout", "0.1"));

        Assert.That(code, Is.Zero, e);
        var configs = ProLoraAdapterFolder.LoadConfigs(output);
        Assert.That(configs.Select(c => c.Key), Is.EquivalentTo(new[] { "model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj", "model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.v_proj" }));
        Assert.That(configs.Select(c => (c.Value.Rank, c.Value.UnsharedRank, c.Value.Dropout)).Distinct(), Is.EqualTo(new[] { (4, 4, 0.1f) }));
    }

    [Test]
    public void AProcessKilledMidRun_ResumedWithResume_EndsOnTheAdapterOfAnUninterruptedRun()
    {
        using var folder = new TempFolder();
        var model = FineTuneRun.Model(folder);
        var data = FineTuneRun.Data(folder, "train.jsonl", 48, seed: 1);
        string[] run = ["--steps", "60", "--save-every", "5", "--dropout", "0.1", "--grad-accum", "2", "--warmup", "3"];

        var straight = folder.File("straight");
        Assert.That(LlamaCli.Run(Args(model, data, straight, run)).Code, Is.Zero);

        var killed = folder.File("killed");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])[Path.Combine(AppContext.BaseDirectory, "prolora.dll"), .. Args(model, data, killed, run)])
        {
            psi.ArgumentList.Add(a);
        }
        using (var process = Process.Start(psi)!)
        {
            process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
            process.StandardError.BaseStream.CopyToAsync(Stream.Null);
            var first = Path.Combine(killed, "checkpoint-5");
            var clock = Stopwatch.StartNew();
            while (!Directory.Exists(first) && !process.HasExited && clock.Elapsed < TimeSpan.FromMinutes(2))
            {
                Thread.Sleep(5);
            }
            Assume.That(process.HasExited, Is.False, "the run ended before it could be killed");
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        Assume.That(File.Exists(Path.Combine(killed, AdapterKeys.WeightsFile)), Is.False, "the killed run got to its end");
        Assert.That(Directory.GetDirectories(killed, "checkpoint-*"), Is.Not.Empty);

        var (code, o, e) = LlamaCli.Run(Args(model, data, killed, [.. run, "--resume", killed]));

        Assert.That(code, Is.Zero, e);
        Assert.That(o, Does.Contain("resumed from step"));
        var expected = ProLoraAdapterFolder.Load(straight, CpuBackend.Instance);
        var actual = ProLoraAdapterFolder.Load(killed, CpuBackend.Instance);
        foreach (var (name, adapter) in expected)
        {
            for (int i = 0; i < adapter.Parameters.Count; i++)
            {
                Assert.That(actual[name].Parameters[i].Value.ToArray(), Is.EqualTo(adapter.Parameters[i].Value.ToArray()), $"{name} parameter {i}");
            }
        }
    }

    [Test]
    public void ResumingWithOtherOptions_ExitsTwoNamingTheOption()
    {
        using var folder = new TempFolder();
        var model = FineTuneRun.Model(folder);
        var data = FineTuneRun.Data(folder, "train.jsonl", 16, seed: 1);
        var output = folder.File("run");
        Assert.That(LlamaCli.Run(Args(model, data, output, "--steps", "4", "--save-every", "2")).Code, Is.Zero);

        var (code, _, e) = LlamaCli.Run(Args(model, data, output, "--steps", "4", "--save-every", "2", "--lr", "5e-3", "--resume", output));

        Assert.That(code, Is.EqualTo(2));
        Assert.That(e, Does.Contain("LearningRate").Or.Contain("learning rate"));
    }

    [TestCase(new[] { "--method", "dora" }, "--method must be prolora or lora, got 'dora'")]
    [TestCase(new[] { "--method", "lora", "--unshared-rank", "2" }, "--unshared-rank applies to --method prolora only")]
    [TestCase(new[] { "--unshared-rank", "9" }, "--unshared-rank must be in [0, --rank = 8], got 9")]
    [TestCase(new[] { "--rank", "0" }, "--rank must be > 0, got 0")]
    [TestCase(new[] { "--reduce-a", "0" }, "--reduce-a must be > 0, got 0")]
    [TestCase(new[] { "--reduce-b", "40" }, "reduce_b")]
    [TestCase(new[] { "--init", "zeros" }, "--init must be rectified or vanilla, got 'zeros'")]
    [TestCase(new[] { "--dropout", "1" }, "--dropout must be in [0, 1), got 1")]
    [TestCase(new[] { "--target-modules", "q_proj,lm_head" }, "--target-modules: 'lm_head' is not a LLaMA linear")]
    [TestCase(new[] { "--target-modules", "q_proj,q_proj" }, "--target-modules names a module twice")]
    [TestCase(new[] { "--steps", "0" }, "--steps: steps must be >= 1, got 0")]
    [TestCase(new[] { "--batch-size", "-1" }, "--batch-size: batch size must be >= 1, got -1")]
    [TestCase(new[] { "--grad-accum", "0" }, "--grad-accum: gradient accumulation must be >= 1")]
    [TestCase(new[] { "--seq-len", "1" }, "--seq-len: sequence length must be >= 2")]
    [TestCase(new[] { "--lr", "0" }, "--lr: learning rate must be > 0")]
    [TestCase(new[] { "--schedule", "step" }, "--schedule must be constant, linear or cosine, got 'step'")]
    [TestCase(new[] { "--warmup", "100" }, "--warmup: warmup steps must be in [0, steps = 100)")]
    [TestCase(new[] { "--clip", "-1" }, "--clip must be >= 0 and finite")]
    [TestCase(new[] { "--shared-lr-scale", "-1" }, "--shared-lr-scale: shared learning-rate scale must be >= 0")]
    [TestCase(new[] { "--save-every", "-2" }, "--save-every: save-every must be >= 0")]
    [TestCase(new[] { "--resume", "no-such-run" }, "no-such-run")]
    [TestCase(new[] { "--base-dtype", "fp8" }, "--base-dtype must be one of f32, bf16, nf4, got 'fp8'")]
    [TestCase(new[] { "--base-dtype", "bf16", "--double-quant" }, "--double-quant needs --base-dtype nf4, got 'bf16'")]
    public void BadOption_ExitsTwoNamingIt(string[] more, string message)
    {
        using var folder = new TempFolder();
        var model = FineTuneRun.Model(folder);
        var data = FineTuneRun.Data(folder, "train.jsonl", 8, seed: 1);
        var output = folder.File("run");

        var (code, o, e) = LlamaCli.Run(Args(model, data, output, more));

        Assert.That(code, Is.EqualTo(2), o);
        Assert.That(e, Does.Contain(message));
        Assert.That(File.Exists(Path.Combine(output, AdapterKeys.WeightsFile)), Is.False);
    }

    [Test]
    public void BadFiles_ExitTwoNamingTheFile()
    {
        using var folder = new TempFolder();
        var model = FineTuneRun.Model(folder);
        var data = FineTuneRun.Data(folder, "train.jsonl", 4, seed: 1);
        var broken = folder.File("broken.jsonl");
        File.WriteAllLines(broken, ["{\"prompt\":\"a=1; a?\",\"completion\":\"1\"}", "{\"prompt\": 3}"]);
        var output = folder.File("run");

        Assert.That(LlamaCli.Run(Args(model, broken, output)).Err, Does.Contain("broken.jsonl:2"));
        Assert.That(LlamaCli.Run(Args(model, folder.File("missing.jsonl"), output)).Err, Does.Contain("missing.jsonl"));
        Assert.That(LlamaCli.Run(Args(folder.File("nowhere"), data, output)).Err, Does.Contain("nowhere"));
        File.Delete(Path.Combine(model, "tokenizer.json"));
        var (code, _, e) = LlamaCli.Run(Args(model, data, output));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(e, Does.Contain("tokenizer"));
    }

    [TestCase(new[] { "--data", "x.jsonl" }, "--data needs --model and --data")]
    [TestCase(new[] { "--rank", "4" }, "--rank needs --model and --data")]
    [TestCase(new[] { "--model", "m" }, "--model needs --data")]
    [TestCase(new[] { "--steps", "0" }, "--steps must be > 0, got 0")]
    [TestCase(new[] { "--device", "tpu" }, "unknown device 'tpu'")]
    [TestCase(new[] { "--steps", "many" }, "many")]
    [TestCase(new[] { "--base-dtype", "int4" }, "--base-dtype must be one of f32, bf16, nf4, got 'int4'")]
    [TestCase(new[] { "--double-quant" }, "--double-quant needs --base-dtype nf4")]
    public void MainJobOptions_AreCheckedBeforeAnyWork(string[] args, string message)
    {
        using var folder = new TempFolder();
        var (code, _, e) = LlamaCli.Run(["train", "--out", folder.File("run"), .. args]);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(e, Does.Contain(message));
        Assert.That(Directory.Exists(folder.File("run")), Is.False);
    }

    // Twelve steps on 64 lookup records with 16 for validation, evaluated at steps 6 and 12.
    private static (int Code, string Out, string Err, string Output) TwelveSteps(TempFolder folder, params string[] more)
    {
        var model = FineTuneRun.Model(folder);
        var data = FineTuneRun.Data(folder, "train.jsonl", 64, seed: 1);
        var validation = FineTuneRun.Data(folder, "val.jsonl", 16, seed: 2);
        var output = folder.File("run");
        var (code, o, e) = LlamaCli.Run(Args(model, data, output, ["--validation", validation, "--steps", "12", "--eval-every", "6", .. more]));
        return (code, o, e, output);
    }

    private static void AssertValidationLossFell(string o)
    {
        var losses = o.Split('\n').Where(l => l.Contains(" val ", StringComparison.Ordinal)).Select(l => double.Parse(l.Split(" val ")[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.That(losses, Has.Count.EqualTo(2));
        Assert.That(losses[1], Is.LessThan(losses[0]), o);
    }
}
