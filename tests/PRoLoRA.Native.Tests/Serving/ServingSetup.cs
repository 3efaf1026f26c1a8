using PRoLoRA.Cli.Pretraining;
using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Serving;
using PRoLoRA.Native.Tests.Support;
using PRoLoRA.Native.Text;

namespace PRoLoRA.Native.Tests.Serving;

/// <summary>A small adapter of the tests: its target leaves (every layer), rank, unshared rank, reductions and seed.</summary>
internal sealed record TestAdapter(string Name, string[] Leaves, int Rank, int Unshared, int ReduceA, int ReduceB, int Seed)
{
    /// <summary>Fresh tensors (B random too, so the adapter changes outputs), the same for the same record.</summary>
    public Dictionary<string, ProLoraAdapter> Create(LlamaModel model)
    {
        var adapters = new Dictionary<string, ProLoraAdapter>(StringComparer.Ordinal);
        int i = 0;
        for (int layer = 0; layer < model.Config.Layers; layer++)
        {
            foreach (var leaf in Leaves)
            {
                var (inFeatures, outFeatures) = LlamaModules.Size(model.Config, leaf);
                var c = new ProLoraConfig { InFeatures = inFeatures, OutFeatures = outFeatures, Rank = Rank, UnsharedRank = Unshared, ReduceA = ReduceA, ReduceB = ReduceB, LoraAlpha = Rank }.Validate();
                int seed = (Seed * 1000) + (i++ * 4);
                var b = model.Backend;
                adapters[LlamaModules.Path(layer, leaf)] = new ProLoraAdapter(
                    c,
                    b.FromArray(Rand.Uniform(seed, c.SharedRank * c.ChunkSizeA, 0.3f), new(c.SharedRank, c.ChunkSizeA)),
                    b.FromArray(Rand.Uniform(seed + 1, c.UnsharedRank * c.InFeatures, 0.3f), new(c.UnsharedRank, c.InFeatures)),
                    b.FromArray(Rand.Uniform(seed + 2, c.ChunkSizeB * c.SharedRank, 0.3f), new(c.ChunkSizeB, c.SharedRank)),
                    b.FromArray(Rand.Uniform(seed + 3, c.UnsharedRank * c.OutFeatures, 0.3f), new(c.UnsharedRank, c.OutFeatures)));
            }
        }
        return adapters;
    }

    /// <summary>Float32 bytes of the compact tensors: chunk_a, vec_a, chunk_b, vec_b of every module.</summary>
    public long CompactBytes(LlamaConfig config) => config.Layers * Leaves.Sum(leaf =>
    {
        var (inFeatures, outFeatures) = LlamaModules.Size(config, leaf);
        int shared = Rank - Unshared;
        long floats = ((long)shared * Ceil(inFeatures, ReduceA)) + ((long)Unshared * inFeatures) + ((long)Ceil(outFeatures, ReduceB) * shared) + ((long)Unshared * outFeatures);
        return floats * sizeof(float);
    });

    /// <summary>Float32 bytes of the full A (r×in) and B (out×r) of every module.</summary>
    public long DenseBytes(LlamaConfig config) => config.Layers * Leaves.Sum(leaf =>
    {
        var (inFeatures, outFeatures) = LlamaModules.Size(config, leaf);
        return (long)Rank * (inFeatures + outFeatures) * sizeof(float);
    });

    private static int Ceil(int a, int b) => (a + b - 1) / b;
}

/// <summary>The shipped base, its tokenizer and the tests' adapters.</summary>
internal static class ServingSetup
{
    public static readonly TestAdapter[] Adapters =
    [
        new("attn", ["q_proj", "v_proj"], 8, 2, 4, 2, 1),
        new("mlp", ["gate_proj", "up_proj", "down_proj"], 4, 1, 2, 2, 2),
        new("lora", ["q_proj", "k_proj", "v_proj", "o_proj"], 6, 6, 1, 1, 3),
    ];

    public static LlamaModel LoadBase() => LlamaModel.Load(BaseModelShape.ShippedFolder, CpuBackend.Instance);

    public static ITokenizer Tokenizer() => Tokenizers.Load(BaseModelShape.ShippedFolder);

    /// <summary>A bank over <paramref name="model"/> holding <see cref="Adapters"/>.</summary>
    public static AdapterBank Bank(LlamaModel model, AdapterProducts products = AdapterProducts.Compact, int? deviceCapacity = null)
    {
        var bank = new AdapterBank(model, products, deviceCapacity);
        foreach (var a in Adapters)
        {
            bank.Add(a.Name, a.Create(model));
        }
        return bank;
    }

    /// <summary>The old way: <paramref name="adapter"/> attached to <paramref name="model"/>, one LlamaGenerator run, detached.</summary>
    public static int[] Reference(LlamaModel model, TestAdapter? adapter, GenerationRequest r, IReadOnlyCollection<int> eos)
    {
        if (adapter is not null)
        {
            model.AddAdapters(adapter.Create(model));
        }
        try
        {
            return LlamaGenerator.Continue(model, r.PromptIds, new GenerationOptions(r.MaxTokens, r.Temperature, r.TopP, r.Seed), eos);
        }
        finally
        {
            model.RemoveAdapters();
        }
    }

    /// <summary>Waits for <paramref name="task"/>, failing instead of hanging.</summary>
    public static T Await<T>(Task<T> task)
    {
        Assert.That(task.Wait(TimeSpan.FromSeconds(120)), Is.True, "hung: the engine gave no answer");
        return task.Result;
    }

    /// <summary>Waits for the first streamed delta of <paramref name="handle"/> (the request is then running).</summary>
    public static void FirstDelta(GenerationHandle handle)
    {
        var e = handle.StreamAsync().GetAsyncEnumerator();
        var moved = e.MoveNextAsync().AsTask();
        Assert.That(moved.Wait(TimeSpan.FromSeconds(120)), Is.True, "hung: no first token");
    }
}
