using System.Globalization;
using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Models.Llama;

namespace PRoLoRA.Bench;

/// <summary>
/// The serve group's workload: batched decode of <see cref="Batch"/> sequences, each with its own KV cache,
/// over a random LLaMA whose seven linears in every layer carry PRoLoRA r=8, u=1, m=n=8 adapters, the
/// rows spread evenly over each count of distinct adapters in <see cref="AdapterCounts"/>.
/// </summary>
/// <param name="Config">The model's shape.</param>
/// <param name="Batch">Sequences decoded together (64 on the CPU, 256 on a GPU).</param>
/// <param name="Prompt">Tokens of each prompt, cached before the timed steps.</param>
/// <param name="Steps">Timed decode steps per round and configuration.</param>
/// <param name="Rounds">Rounds; each runs every configuration once, so a drift of the host hits all.</param>
/// <param name="AdapterCounts">Distinct adapters among the rows.</param>
internal sealed record ServeWorkload(LlamaConfig Config, int Batch, int Prompt, int Steps, int Rounds, IReadOnlyList<int> AdapterCounts)
{
    /// <summary>The adapters' ranks: r, u, m = n.</summary>
    public const int Rank = 8, Unshared = 1, Reduce = 8;

    /// <summary>The workload of a scale on the CPU or a GPU.</summary>
    public static ServeWorkload For(BenchScale scale, bool gpu) => (scale, gpu) switch
    {
        (BenchScale.Tiny, _) => new(Llama(32, 48, 1, 4, 2, 64), 4, 4, 2, 2, [1, 2, 4]),
        (BenchScale.Quick, false) => new(Llama(512, 1408, 2, 8, 4, 4000), 64, 16, 6, 2, [1, 8, 64]),
        (BenchScale.Full, false) => new(Llama(1024, 2816, 4, 16, 8, 8000), 64, 16, 12, 3, [1, 8, 64]),
        (BenchScale.Quick, true) => new(Llama(2048, 5504, 4, 16, 8, 32000), 256, 16, 8, 2, [1, 8, 64, 256]),
        _ => new(Llama(4096, 11008, 4, 32, 8, 32000), 256, 32, 16, 3, [1, 8, 64, 256]),
    };

    /// <summary>The adapter of one linear.</summary>
    public static ProLoraConfig Adapter(ModuleShape module) => ProLoraConfig.ProLora(module.InFeatures, module.OutFeatures, Rank, Unshared, Reduce, Reduce);

    /// <summary>The shape column.</summary>
    public string Shape(int adapters) => $"h={Config.HiddenSize} L={Config.Layers} B={Batch} K={adapters}";

    /// <summary>
    /// Useful GFLOP of one decode step: every linear's product (2·B·in·out), the adapters' (2·B·r·(in + out))
    /// unless <paramref name="adapters"/> is false (merged), and the head; attention over the short cache is left out.
    /// </summary>
    public double Gflop(bool adapters)
    {
        double perRow = 0;
        foreach (var leaf in LlamaModules.Leaves)
        {
            var (i, o) = LlamaModules.Size(Config, leaf);
            perRow += Config.Layers * (((double)i * o) + (adapters ? (double)Rank * (i + o) : 0));
        }
        perRow += (double)Config.HiddenSize * Config.VocabularySize;
        return 2.0 * Batch * perRow / 1e9;
    }

    /// <summary>The peer's arguments after the script (llama_torch.py decode ... --serve).</summary>
    public IReadOnlyList<string> PeerArguments(string model, string device, int threads, int adapters, bool merged)
    {
        var args = new List<string>
        {
            "decode", "--model", model, "--random-adapter", Join(Rank, Unshared, Reduce, Reduce), "--adapters", Join(adapters),
            "--batch", Join(Batch), "--prompt", Join(Prompt), "--max-steps", Join(Steps), "--threads", Join(threads), "--warmup", "2",
            "--device", device, "--serve",
        };
        if (merged)
        {
            args.Add("--merged");
        }
        return args;
    }

    private static LlamaConfig Llama(int hidden, int intermediate, int layers, int heads, int kvHeads, int vocabulary) => new()
    {
        VocabularySize = vocabulary,
        HiddenSize = hidden,
        IntermediateSize = intermediate,
        Layers = layers,
        Heads = heads,
        KvHeads = kvHeads,
        HeadDim = hidden / heads,
        TieWordEmbeddings = false,
        RopeTheta = 10000f,
        RmsNormEps = 1e-5f,
        MaxPositions = 4096,
    };

    private static string Join(params int[] values) => string.Join(',', values.Select(v => v.ToString(CultureInfo.InvariantCulture)));
}
