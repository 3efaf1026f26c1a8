using System.Text.Json;
using PRoLoRA.Bench;
using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.IO;
using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Tensors;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Models;

/// <summary>
/// Our LlamaModel against the PyTorch peer (tools/peers/llama_torch.py, the Hugging Face LLaMA math, run in
/// float64) on a tiny random grouped-query checkpoint with PRoLoRA (u &gt; 0, ragged m and n, B not zero) on all
/// seven linears of every layer: the logits, the mean next-token loss and every adapter tensor's gradient.
/// Ignored, with the reason, where no Python with PyTorch is found (PROLORA_PYTHON, python3, /usr/bin/python3).
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class LlamaTorchPeerTests
{
    private static readonly LlamaConfig Config = new()
    {
        VocabularySize = 53,
        HiddenSize = 40,
        IntermediateSize = 72,
        Layers = 2,
        Heads = 4,
        KvHeads = 2,
        HeadDim = 10,
        TieWordEmbeddings = false,
        RopeTheta = 10000f,
        RmsNormEps = 1e-5f,
    };

    private const int Batch = 2, Length = 11;

    private string _folder = "";
    private PeerProcess? _peer;

    /// <summary>Finds the peer and writes the checkpoint, the adapter and the tokens into a temporary folder.</summary>
    [OneTimeSetUp]
    public void SetUp()
    {
        _peer = PeerProcess.Find("cpu", out string reason, PeerProcess.ModelScript);
        if (_peer is null)
        {
            Assert.Ignore($"the PyTorch peer cannot run: {reason}");
        }
        _folder = Path.Combine(Path.GetTempPath(), $"prolora-llama-peer-{Environment.ProcessId}-{Guid.NewGuid():N}");
        RandomLlama.WriteFolder(Path.Combine(_folder, "model"), Config, seed: 11);
        var adapters = NewAdapters();
        ProLoraAdapterFolder.Save(Path.Combine(_folder, "adapter"), adapters);
        foreach (var adapter in adapters.Values)
        {
            adapter.Dispose();
        }
        var rows = Enumerable.Range(0, Batch).Select(b => Ids().Skip(b * Length).Take(Length).ToArray()).ToArray();
        File.WriteAllText(Path.Combine(_folder, "tokens.json"), JsonSerializer.Serialize(new Dictionary<string, int[][]> { ["input_ids"] = rows }));
    }

    /// <summary>Removes the temporary folder.</summary>
    [OneTimeTearDown]
    public void TearDown()
    {
        if (_folder.Length > 0 && Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Test]
    public void LogitsAndLoss_MatchThePeer()
    {
        var peer = RunPeer("logits");
        using var model = Load();
        using var tape = new Tape(model.Backend);
        var logits = model.Forward(tape, Ids(), Batch, Length);
        var loss = tape.SoftmaxCrossEntropy(logits, Targets());
        using var expected = SafetensorsFile.Open(Path.Combine(_folder, "logits.safetensors"));
        FloatAssert.Close(logits.Value.ToArray(), expected.ReadFloat32("logits"), "logits", 1e-5f, floor: 1f);
        Assert.That(loss.Value.ToArray()[0], Is.EqualTo(peer.GetProperty("loss").GetDouble()).Within(1e-5).Percent);
    }

    [Test]
    public void AdapterGradients_MatchThePeer()
    {
        var peer = RunPeer("grads");
        using var model = Load();
        using var tape = new Tape(model.Backend);
        var loss = tape.SoftmaxCrossEntropy(model.Forward(tape, Ids(), Batch, Length), Targets());
        tape.Backward(loss);
        Assert.That(loss.Value.ToArray()[0], Is.EqualTo(peer.GetProperty("loss").GetDouble()).Within(1e-5).Percent);
        using var expected = SafetensorsFile.Open(Path.Combine(_folder, "grads.safetensors"));
        int compared = 0;
        foreach (var (module, adapter) in model.Adapters)
        {
            Compare(adapter.ChunkA, expected.ReadFloat32(AdapterKeys.LoraA(module)), $"{module} chunk A");
            Compare(adapter.VecA, expected.ReadFloat32(AdapterKeys.LoraAVec(module)), $"{module} vec A");
            Compare(adapter.ChunkB, expected.ReadFloat32(AdapterKeys.LoraB(module)), $"{module} chunk B");
            Compare(adapter.VecB, expected.ReadFloat32(AdapterKeys.LoraBVec(module)), $"{module} vec B");
            compared += 4;
        }
        Assert.That(compared, Is.EqualTo(4 * 7 * Config.Layers));
    }

    /// <summary>
    /// Each element within 1e-4 of the tensor's largest gradient (float32 against float64); the gradient must be
    /// there and not zero, so that a missing or dropped gradient fails.
    /// </summary>
    private static void Compare(Variable parameter, float[] expected, string what)
    {
        Assert.That(parameter.Grad, Is.Not.Null, $"{what}: no gradient");
        float scale = expected.Max(MathF.Abs);
        Assert.That(scale, Is.GreaterThan(1e-6f), $"{what}: the peer's gradient is zero");
        FloatAssert.Close(parameter.Grad!.ToArray(), expected, what, 1e-4f, floor: scale);
    }

    private JsonElement RunPeer(string command)
    {
        var peer = _peer ?? throw new InvalidOperationException("the peer is found in OneTimeSetUp");
        return peer.RunScript(
            [command, "--model", Path.Combine(_folder, "model"), "--adapter", Path.Combine(_folder, "adapter"), "--tokens", Path.Combine(_folder, "tokens.json"),
                "--out", Path.Combine(_folder, $"{command}.safetensors"), "--dtype", "float64"],
            TimeSpan.FromMinutes(5));
    }

    private LlamaModel Load()
    {
        var model = LlamaModel.Load(Path.Combine(_folder, "model"), CpuBackend.Instance);
        model.AddAdapters(ProLoraAdapterFolder.Load(Path.Combine(_folder, "adapter"), CpuBackend.Instance));
        return model;
    }

    /// <summary>
    /// PRoLoRA r=6, u=2, m=3, n=7 on all seven linears of each layer (m leaves a ragged last chunk of the 40
    /// inputs, n of the 40, 20 and 72 outputs), rotation on, B random rather than zero so every gradient flows.
    /// </summary>
    private static Dictionary<string, ProLoraAdapter> NewAdapters()
    {
        var adapters = LlamaModel.NewAdapters(LlamaModules.Targets(Config), m => ProLoraConfig.ProLora(m.InFeatures, m.OutFeatures, 6, 2, 3, 7), seed: 3,
            CpuBackend.Instance);
        int seed = 100;
        foreach (var adapter in adapters.Values)
        {
            Fill(adapter.ChunkB.Value, seed++);
            Fill(adapter.VecB.Value, seed++);
        }
        return adapters;
    }

    private static void Fill(Tensor t, int seed)
    {
        using var values = CpuBackend.Instance.FromArray(Rand.Uniform(seed, t.Count, 0.2f), t.Shape);
        CpuBackend.Instance.Copy(values, t);
    }

    private static int[] Ids()
    {
        var rng = new Random(17);
        return [.. Enumerable.Range(0, Batch * Length).Select(_ => rng.Next(Config.VocabularySize))];
    }

    /// <summary>Next-token targets: each sequence's last token has none (−1), as the peer's logits[:, :-1] against ids[:, 1:].</summary>
    private static int[] Targets()
    {
        var ids = Ids();
        return [.. Enumerable.Range(0, ids.Length).Select(i => i % Length == Length - 1 ? -1 : ids[i + 1])];
    }
}
