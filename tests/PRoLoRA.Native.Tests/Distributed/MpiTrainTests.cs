using System.Text.Json;
using PRoLoRA.Cli.Demo;
using PRoLoRA.Cli.Pretraining;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.IO;
using PRoLoRA.Native.Tests.Cli;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Distributed;

/// <summary>
/// `mpirun -np 2 prolora train` on the shipped model: the adapter of W ranks with batch B (W = 2 and 3)
/// equals the one-process run with batch W·B (same data order); a checkpoint of one world size resumes in another;
/// a killed or stuck rank ends the job with a message on the survivor instead of a hang; bad input on
/// every rank ends the job with the message. Needs Open MPI (CI installs it).
/// </summary>
[NonParallelizable]
public class MpiTrainTests
{
    private static readonly string[] Common = ["--seq-len", "32", "--lr", "1e-2", "--seed", "5", "--warmup", "1"];

    [TestCase(2, 3)]
    [TestCase(3, 2)]
    public void RanksWithBatchB_GiveTheAdapterOfOneProcessWithTheirWholeBatch(int ranks, int batch)
    {
        Mpirun.Require();
        using var folder = new TempFolder();
        var data = Data(folder, 40);
        string[] run = ["--steps", "5", "--grad-accum", "2", "--save-every", "2", .. Common];

        var (code, o, e) = LlamaCli.Run(Train(data, folder.File("one"), ["--batch-size", $"{ranks * batch}", .. run]));
        var two = Mpirun.Run(ranks, Train(data, folder.File("two"), ["--batch-size", $"{batch}", .. run]));

        Assert.That(code, Is.Zero, e);
        Assert.That(two.Code, Is.Zero, two.All);
        Assert.That(two.Output, Does.Contain($"×{ranks} ranks (Open MPI)"));
        Assert.That(Lines(two.Output, "[prolora] step 5/5"), Is.EqualTo(1), "rank 0 alone prints the progress");
        Assert.That(StepLosses(two.Output), Is.EqualTo(StepLosses(o)), "the logged global losses");
        AssertSameAdapter(folder.File("one"), folder.File("two"));
        Assert.That(Directory.GetDirectories(folder.File("two"), "checkpoint-*").Select(Path.GetFileName), Is.EquivalentTo(new[] { "checkpoint-2", "checkpoint-4", "checkpoint-5" }));
    }

    [Test]
    public void ACheckpointOfOneProcess_ResumesOnTwoRanksWithTheSameGlobalBatch()
    {
        Mpirun.Require();
        using var folder = new TempFolder();
        var data = Data(folder, 40);
        string[] run = ["--steps", "6", "--save-every", "3", .. Common];
        Assert.That(LlamaCli.Run(Train(data, folder.File("one"), ["--batch-size", "8", .. run])).Code, Is.Zero);

        var resumed = Mpirun.Run(2, Train(data, folder.File("two"), ["--batch-size", "4", "--resume", Path.Combine(folder.File("one"), "checkpoint-3"), .. run]));
        var (code, _, e) = LlamaCli.Run(Train(data, folder.File("three"), ["--batch-size", "4", "--resume", Path.Combine(folder.File("one"), "checkpoint-3"), .. run]));

        Assert.That(resumed.Code, Is.Zero, resumed.All);
        Assert.That(resumed.Output, Does.Contain("resumed from step 3"));
        AssertSameAdapter(folder.File("one"), folder.File("two"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(e, Does.Contain("BatchSize (the global batch: batch size × ranks) = 8, this run asks for 4"));
    }

    [Test]
    public void AKilledRank_EndsTheJobWithAMessageOnTheSurvivor()
    {
        Mpirun.Require();
        using var folder = new TempFolder();
        var data = Data(folder, 40);

        var result = Mpirun.Run(2, Train(data, folder.File("run"), ["--batch-size", "2", "--steps", "200", .. Common]), Fault("1:2:kill"), limitSeconds: 180);

        Assert.That(result.TimedOut, Is.False, "the job hung after rank 1 died");
        Assert.That(result.Code, Is.Not.Zero, result.All);
        Assert.That(result.Error, Does.Contain("rank 1: PROLORA_TEST_FAULT: kill after step 2"));
        Assert.That(result.Error, Does.Contain("error: rank 0 of 2: stopped by the launcher (SIGTERM)"), result.All);
        Assert.That(result.Error, Does.Contain("process rank 1"), "mpirun names the rank that died");
        Assert.That(File.Exists(Path.Combine(folder.File("run"), AdapterKeys.WeightsFile)), Is.False);
    }

    [Test]
    public void AStuckRank_EndsTheJobAtTheCollectiveTimeoutNamingTheOperation()
    {
        Mpirun.Require();
        using var folder = new TempFolder();
        var data = Data(folder, 40);
        var environment = new Dictionary<string, string>(Fault("1:2:hang")) { ["PROLORA_COLLECTIVE_TIMEOUT"] = "5" };

        var result = Mpirun.Run(2, Train(data, folder.File("run"), ["--batch-size", "2", "--steps", "200", .. Common]), environment, limitSeconds: 180);

        Assert.That(result.TimedOut, Is.False, "the job hung on the stuck rank");
        Assert.That(result.Code, Is.EqualTo(3), result.All);
        Assert.That(result.Error, Does.Match(@"error: rank 0 of 2: all-reduce #\d+ \([0-9,]+ floats\) did not complete within 5 s \(PROLORA_COLLECTIVE_TIMEOUT\)"), result.All);
    }

    [Test]
    public void BadInputOnEveryRank_EndsTheJobWithTheMessage()
    {
        Mpirun.Require();
        using var folder = new TempFolder();

        var result = Mpirun.Run(2, Train(folder.File("missing.jsonl"), folder.File("run"), ["--batch-size", "2", "--steps", "2"]), limitSeconds: 180);

        Assert.That(result.TimedOut, Is.False);
        Assert.That(result.Code, Is.EqualTo(2), result.All);
        Assert.That(result.Error, Does.Match(@"error: rank [01] of 2: .*missing\.jsonl"), result.All);
    }

    [Test]
    public void GpuRanksWithoutNccl_EndTheJobNamingTheLibrary()
    {
        Mpirun.Require();
        if (PRoLoRA.Native.Distributed.NcclLibrary.Probe.Found)
        {
            Assert.Ignore($"NCCL is installed here ({PRoLoRA.Native.Distributed.NcclLibrary.Probe.FoundPath})");
        }
        using var folder = new TempFolder();

        var result = Mpirun.Run(2, Train(Data(folder, 8), folder.File("run"), ["--device", "cuda", "--steps", "1"]), limitSeconds: 180);

        Assert.That(result.TimedOut, Is.False);
        Assert.That(result.Code, Is.EqualTo(2), result.All);
        Assert.That(result.Error, Does.Match(@"error: rank [01] of 2: NCCL cannot start: NCCL \(libnccl\) not found"), result.All);
    }

    [Test]
    public void TheMainJob_UnderMpirun_IsRefused()
    {
        Mpirun.Require();

        var result = Mpirun.Run(2, ["train", "--steps", "1"], limitSeconds: 180);

        Assert.That(result.Code, Is.EqualTo(2), result.All);
        Assert.That(result.Error, Does.Contain("the main job runs in one process"));
    }

    private static string[] Train(string data, string output, string[] more) =>
        ["train", "--model", BaseModelShape.ShippedFolder, "--data", data, "--out", output, .. more];

    private static Dictionary<string, string> Fault(string fault) => new() { ["PROLORA_TEST_FAULT"] = fault };

    private static string Data(TempFolder folder, int count)
    {
        var path = folder.File("train.jsonl");
        File.WriteAllLines(path, DemoTasks.Generate("add", 11, count).Select(e => JsonSerializer.Serialize(new { prompt = e.Prompt, completion = e.Completion })));
        return path;
    }

    private static int Lines(string text, string start) => text.Split('\n').Count(l => l.StartsWith(start, StringComparison.Ordinal));

    private static string[] StepLosses(string text) =>
        [.. text.Split('\n').Where(l => l.StartsWith("[prolora] step", StringComparison.Ordinal)).Select(l => l.Split("  lr")[0])];

    /// <summary>
    /// The same adapter up to float rounding: the ranks' batches are padded and summed in another
    /// order, and AdamW divides by √v, so an element whose gradient nearly cancels over the steps may
    /// move a few 1e-5 apart (at lr 1e-2); nearly every element agrees to 1e-6, which other data or a
    /// missing all-reduce would break everywhere.
    /// </summary>
    private static void AssertSameAdapter(string expectedFolder, string actualFolder)
    {
        var expected = ProLoraAdapterFolder.Load(expectedFolder, CpuBackend.Instance);
        var actual = ProLoraAdapterFolder.Load(actualFolder, CpuBackend.Instance);
        Assert.That(actual.Keys, Is.EquivalentTo(expected.Keys));
        var differences = new List<float>();
        foreach (var (name, adapter) in expected)
        {
            for (int i = 0; i < adapter.Parameters.Count; i++)
            {
                var want = adapter.Parameters[i].Value.ToArray();
                var got = actual[name].Parameters[i].Value.ToArray();
                Assert.That(got, Is.EqualTo(want).Within(2e-4f), $"{name} parameter {i}");
                differences.AddRange(want.Zip(got, (w, g) => Math.Abs(w - g)));
            }
        }
        Assert.That(differences.Count(d => d > 1e-6f), Is.LessThan(differences.Count / 100), "elements more than 1e-6 apart");
    }
}
