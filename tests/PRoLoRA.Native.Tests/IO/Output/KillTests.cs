using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.IO;
using PRoLoRA.Native.IO.Output;
using PRoLoRA.Native.Tensors;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.IO.Output;

/// <summary>
/// A save killed at any step leaves the old content or the new one. The fault hook
/// (<see cref="SaveFaults"/>) stops at every step; there the disk is what a kill would leave, so the
/// test reads it as a reader would, copies it aside (the "killed" state) and later saves again into
/// that copy, which must clean up what the kill left. Each test also checks it saw every step.
/// </summary>
public class KillTests
{
    private const string Module = "model.layers.0.self_attn.q_proj";

    private static Dictionary<string, ProLoraAdapter> Adapters(float value)
    {
        var adapters = TestAdapters.Mixed();
        foreach (var p in adapters[Module].Parameters)
        {
            CpuBackend.Instance.CopyFromHost(Enumerable.Repeat(value, (int)p.Value.Count).ToArray(), p.Value);
        }
        return adapters;
    }

    private static void Save(string folder, float value)
    {
        var adapters = Adapters(value);
        ProLoraAdapterFolder.Save(folder, adapters);
        TestAdapters.DisposeAll(adapters);
    }

    /// <summary>What a reader finds: the value every q_proj tensor holds, or null when the folder is absent.</summary>
    private static float? Read(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return null;
        }
        var loaded = ProLoraAdapterFolder.Load(folder, CpuBackend.Instance);
        var values = loaded[Module].ChunkA.Value.ToArray().Distinct().ToArray();
        TestAdapters.DisposeAll(loaded);
        Assert.That(values, Has.Length.EqualTo(1));
        return values[0];
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
        foreach (var sub in Directory.GetDirectories(from))
        {
            CopyTree(sub, Path.Combine(to, Path.GetFileName(sub)));
        }
    }

    private static readonly string[] FreshSteps = ["folder:written adapter_model.safetensors", "folder:written adapter_config.json", "folder:renamed"];

    private static readonly string[] ReplaceSteps = ["folder:written adapter_model.safetensors", "folder:written adapter_config.json", "folder:others carried", "folder:swapped", "folder:old deleted"];

    [TestCase(false, TestName = "AFolderSaveKilledAtAnyStep_LeavesNothingOrTheNewFolder")]
    [TestCase(true, TestName = "AFolderSaveKilledAtAnyStep_LeavesTheOldFolderOrTheNewOne")]
    public void AFolderSaveKilledAtAnyStep_LeavesTheOldOrTheNew(bool replacing)
    {
        using var dir = new TempFolder();
        var parent = dir.File("run");
        var folder = Path.Combine(parent, "adapter");
        Directory.CreateDirectory(parent);
        if (replacing)
        {
            Save(folder, 1f);
            File.WriteAllText(Path.Combine(folder, "README.md"), "kept");
        }
        float? old = replacing ? 1f : null;
        var steps = new List<string>();
        using (SaveFaults.Install(step =>
        {
            steps.Add(step);
            Assert.That(Read(folder), Is.EqualTo(old).Or.EqualTo(2f), $"a kill at '{step}'");
            CopyTree(parent, dir.File($"killed-{steps.Count}"));
        }))
        {
            Save(folder, 2f);
        }
        Assert.That(steps, Is.EqualTo(replacing ? ReplaceSteps : FreshSteps));
        Assert.That(Read(folder), Is.EqualTo(2f));

        for (int i = 1; i <= steps.Count; i++)
        {
            var killed = dir.File($"killed-{i}");
            var killedFolder = Path.Combine(killed, "adapter");
            Assert.That(Read(killedFolder), Is.EqualTo(old).Or.EqualTo(2f), $"the copy after '{steps[i - 1]}'");
            Save(killedFolder, 3f);
            Assert.That(Read(killedFolder), Is.EqualTo(3f));
            Assert.That(Directory.GetFileSystemEntries(killed).Select(Path.GetFileName), Is.EqualTo(new[] { "adapter" }), $"what a kill at '{steps[i - 1]}' left is cleaned by the next save");
            if (replacing)
            {
                Assert.That(File.ReadAllText(Path.Combine(killedFolder, "README.md")), Is.EqualTo("kept"));
            }
        }
    }

    [Test]
    public void AFolderSaveStoppedByAnErrorAtAnyStep_LeavesTheOldOrTheNew_AndNoTemporaries()
    {
        using var dir = new TempFolder();
        var folder = dir.File("adapter");
        Save(folder, 1f);
        foreach (var stopAt in ReplaceSteps)
        {
            float before = Read(folder)!.Value;
            using (SaveFaults.Install(step =>
            {
                if (step == stopAt)
                {
                    throw new IOException($"stopped at {step}");
                }
            }))
            {
                Assert.That(() => Save(folder, before + 1), Throws.InstanceOf<IOException>().With.Message.EqualTo($"stopped at {stopAt}"));
            }
            Assert.That(Read(folder), Is.EqualTo(before).Or.EqualTo(before + 1), stopAt);
            Assert.That(Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName), Is.EqualTo(new[] { "adapter" }), $"no temporary after a stop at '{stopAt}'");
        }
    }

    [Test]
    public void AFileSaveKilledAtAnyStep_LeavesTheOldFileOrTheNewOne()
    {
        using var dir = new TempFolder();
        var path = dir.File("w.safetensors");
        void Write(float value)
        {
            var writer = new SafetensorsWriter();
            writer.Add("w", [value, value], new Shape(2));
            writer.Save(path);
        }
        float ReadValue()
        {
            using var file = SafetensorsFile.Open(path);
            return file.ReadFloat32("w").Distinct().Single();
        }
        Write(1f);
        var steps = new List<string>();
        using (SaveFaults.Install(step =>
        {
            steps.Add(step);
            Assert.That(ReadValue(), Is.EqualTo(1f).Or.EqualTo(2f), step);
        }))
        {
            Write(2f);
        }
        Assert.That(steps, Is.EqualTo(new[] { "file:written", "file:renamed" }));
        Assert.That(ReadValue(), Is.EqualTo(2f));
    }
}
