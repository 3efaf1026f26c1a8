using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Tests.IO;
using PRoLoRA.Native.Tests.Support;
using PRoLoRA.Native.Tests.Models;
using PRoLoRA.Native.Training;

namespace PRoLoRA.Native.Tests.Training;

/// <summary>
/// The LLaMA fine-tuner on the tiny reference checkpoint: it learns, gradient accumulation is the
/// token mean of a larger batch, a killed run resumed from its checkpoint ends on the adapter of an
/// uninterrupted one, and a checkpoint of other options, data or files is refused by name.
/// </summary>
public class FineTunerTests
{
    private static readonly FineTuneOptions Options = new()
    {
        Steps = 12,
        BatchSize = 3,
        GradientAccumulation = 2,
        SequenceLength = 16,
        LearningRate = 3e-3f,
        WarmupSteps = 2,
        EvaluateEvery = 4,
        Seed = 5,
    };

    [Test]
    public void FineTuning_LowersTheLossOnTheCompletions()
    {
        using var model = Model(dropout: 0f);
        // The completion is one of two fixed words, chosen by the parity of the prompt's first id.
        var rng = new Random(1);
        var data = Enumerable.Range(0, 24).Select(_ =>
        {
            var prompt = Enumerable.Range(0, rng.Next(2, 6)).Select(_ => rng.Next(3, 40)).ToArray();
            int[] word = prompt[0] % 2 == 0 ? [5, 6, 7] : [8, 9, 10];
            return new TokenizedExample([1, .. prompt, 2, .. word, 2], prompt.Length + 2);
        }).ToList();
        var result = FineTuner.Run(model, data, data, Options with { Steps = 30, EvaluateEvery = 0, LearningRate = 1e-2f });
        Assert.That(result.Final.ValidationLoss, Is.LessThan(0.5 * result.History[0].ValidationLoss));
        Assert.That(result.History.Select(p => p.Step), Is.EqualTo(new[] { 0, 30 }));
    }

    [Test]
    public void GradientAccumulation_EqualsOneBatchOfAllTheExamples()
    {
        var data = Examples(24, seed: 2);
        using var accumulated = Model(dropout: 0f);
        using var whole = Model(dropout: 0f);
        FineTuner.Run(accumulated, data, [], Options with { Steps = 3, BatchSize = 2, GradientAccumulation = 3 });
        FineTuner.Run(whole, data, [], Options with { Steps = 3, BatchSize = 6, GradientAccumulation = 1 });
        AssertAdapters(accumulated, whole, tolerance: 2e-5f);
    }

    [Test]
    public void AKilledRun_ResumedFromItsLastCheckpoint_EndsOnTheAdapterOfAnUninterruptedRun()
    {
        var data = Examples(20, seed: 3);
        var options = Options with { SaveEvery = 4 };
        using var folder = new TempFolder();
        using var straight = Model(dropout: 0.1f);
        var full = FineTuner.Run(straight, data, data, options, Path.Combine(folder.Path, "straight"));

        using var cancel = new CancellationTokenSource();
        using (var killed = Model(dropout: 0.1f))
        {
            Assert.That(
                () => FineTuner.Run(killed, data, data, options, Path.Combine(folder.Path, "resumed"), progress: p =>
                {
                    if (p.Step == 6)
                    {
                        cancel.Cancel();
                    }
                }, cancel: cancel.Token),
                Throws.InstanceOf<OperationCanceledException>());
        }
        Assert.That(Directory.GetDirectories(Path.Combine(folder.Path, "resumed")).Select(Path.GetFileName), Is.EqualTo(new[] { "checkpoint-4" }));

        using var resumed = Model(dropout: 0.1f);
        var rest = FineTuner.Run(resumed, data, data, options, Path.Combine(folder.Path, "resumed"), resumeFrom: Path.Combine(folder.Path, "resumed"));
        Assert.That(rest.ResumedFrom, Is.EqualTo(4));
        AssertAdapters(resumed, straight, tolerance: 0f);
        Assert.That(rest.History, Is.EqualTo(full.History));
    }

    [Test]
    public void ACheckpoint_LoadsAsAnOrdinaryAdapterFolder()
    {
        using var folder = new TempFolder();
        using var model = Model(dropout: 0f);
        FineTuner.Run(model, Examples(8, seed: 4), [], Options with { Steps = 2, SaveEvery = 2, WarmupSteps = 0 }, folder.Path);
        var loaded = Native.IO.AdapterFolder.Load(Path.Combine(folder.Path, "checkpoint-2"), CpuBackend.Instance);
        try
        {
            Assert.That(loaded.Keys, Is.EquivalentTo(model.Adapters.Keys));
            Assert.That(loaded["model.layers.1.mlp.down_proj"].VecB.Value.ToArray(), Is.EqualTo(model.Adapters["model.layers.1.mlp.down_proj"].VecB.Value.ToArray()));
        }
        finally
        {
            foreach (var a in loaded.Values)
            {
                a.Dispose();
            }
        }
    }

    [Test]
    public void Resume_RefusesACheckpointOfOtherOptionsDataOrFiles_NamingIt()
    {
        var data = Examples(10, seed: 6);
        var options = Options with { Steps = 4, SaveEvery = 2 };
        using var folder = new TempFolder();
        using (var first = Model(dropout: 0f))
        {
            FineTuner.Run(first, data, [], options, folder.Path);
        }
        void Resume(FineTuneOptions o, IReadOnlyList<TokenizedExample> d, string from)
        {
            using var m = Model(dropout: 0f);
            FineTuner.Run(m, d, [], o, folder.Path, resumeFrom: from);
        }
        string latest = Path.Combine(folder.Path, "checkpoint-4");
        Assert.Multiple(() =>
        {
            Assert.That(() => Resume(options with { LearningRate = 1e-3f }, data, folder.Path), Throws.ArgumentException.With.Message.Contains("LearningRate = 0.003"));
            Assert.That(() => Resume(options, Examples(10, seed: 7), folder.Path), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("data_hash"));
            Assert.That(() => Resume(options, data, Path.Combine(folder.Path, "nothing")), Throws.InstanceOf<DirectoryNotFoundException>());
            Assert.That(() => Resume(options, data, Path.Combine(folder.Path, "checkpoint-2", "..", "..")), Throws.InstanceOf<IOException>().With.Message.Contains("holds no checkpoint"));
        });
        File.WriteAllBytes(Path.Combine(latest, "optimizer.safetensors"), File.ReadAllBytes(Path.Combine(latest, "optimizer.safetensors"))[..100]);
        Assert.That(() => Resume(options, data, folder.Path), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("optimizer.safetensors"));
        File.Copy(Path.Combine(folder.Path, "checkpoint-2", "optimizer.safetensors"), Path.Combine(latest, "optimizer.safetensors"), overwrite: true);
        Assert.That(() => Resume(options, data, folder.Path), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("another save"));
    }

    [Test]
    public void BadExamples_AreRefusedNamingTheExample()
    {
        using var model = Model(dropout: 0f);
        int v = model.Config.VocabularySize;
        Assert.Multiple(() =>
        {
            Assert.That(() => FineTuner.Run(model, [new TokenizedExample([1, v, 2], 1)], [], Options), Throws.ArgumentException.With.Message.Contains("train example 0: token 1 is id " + v));
            Assert.That(() => FineTuner.Run(model, [new TokenizedExample([.. Enumerable.Range(1, 20)], 16)], [], Options), Throws.ArgumentException.With.Message.Contains("no token would count"));
            Assert.That(() => FineTuner.Run(model, [], [], Options), Throws.ArgumentException.With.Message.Contains("no training example"));
            Assert.That(() => FineTuner.Run(model, Examples(2, 1), [], Options with { SaveEvery = 1 }), Throws.ArgumentException.With.Message.Contains("save-every"));
            Assert.That(() => FineTuner.Run(model, Examples(2, 1), [], Options with { WarmupSteps = 12 }), Throws.ArgumentException.With.Message.Contains("warmup"));
        });
    }

    /// <summary>The "mha" reference model with PRoLoRA (r=4, u=1, m=n=2) on all seven modules of both layers.</summary>
    private static LlamaModel Model(float dropout)
    {
        var model = LlamaModel.Load(LlamaGolden.Model("mha"), CpuBackend.Instance);
        model.AddAdapters(LlamaModel.NewAdapters(
            LlamaModules.Targets(model.Config),
            m => ProLoraConfig.ProLora(m.InFeatures, m.OutFeatures, 4, 1, 2, 2) with { Dropout = dropout },
            seed: 11,
            CpuBackend.Instance));
        return model;
    }

    /// <summary>Prompt/completion examples: a prompt of 2–5 random ids, a completion that is the prompt reversed.</summary>
    private static List<TokenizedExample> Examples(int count, int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ =>
        {
            var prompt = Enumerable.Range(0, rng.Next(2, 6)).Select(_ => rng.Next(3, 40)).ToArray();
            return new TokenizedExample([1, .. prompt, 2, .. prompt.Reverse(), 2], prompt.Length + 2);
        })];
    }

    private static void AssertAdapters(LlamaModel actual, LlamaModel expected, float tolerance)
    {
        foreach (var (module, a) in actual.Adapters)
        {
            var e = expected.Adapters[module];
            for (int i = 0; i < a.Parameters.Count; i++)
            {
                Assert.That(a.Parameters[i].Value.ToArray(), Is.EqualTo(e.Parameters[i].Value.ToArray()).Within(tolerance), $"{module} {a.Parameters[i].Name}");
            }
        }
    }
}
