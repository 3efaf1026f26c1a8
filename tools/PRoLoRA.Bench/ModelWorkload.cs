using System.Globalization;
using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Models.Llama;

namespace PRoLoRA.Bench;

/// <summary>
/// One workload of the model group: a training step of a whole small LLaMA (forward, next-token
/// cross-entropy, backward) or one decoder layer (forward and backward of a random output gradient, the
/// input's gradient included), PRoLoRA r=8, u=1, m=n=7 on every one of the seven linears, base frozen.
/// </summary>
/// <param name="Key">train or layer: the ratio's name is model_{Key}_vs_pytorch.</param>
/// <param name="Name">The row label.</param>
/// <param name="Config">The model's shape (one layer for the layer workload).</param>
/// <param name="Batch">Sequences per step.</param>
/// <param name="Length">Tokens per sequence.</param>
/// <param name="LayerOnly">Time one decoder layer on a random input instead of the whole model on token ids.</param>
internal sealed record ModelWorkload(string Key, string Name, LlamaConfig Config, int Batch, int Length, bool LayerOnly)
{
    /// <summary>The adapter's ranks: r, u, m, n.</summary>
    public const int Rank = 8, Unshared = 1, Reduce = 7;

    /// <summary>
    /// The small LLaMA that ships as the demo's base (tools/PRoLoRA.Cli/Data/llama-base): vocabulary 100,
    /// hidden 112, intermediate 308, 4 layers, 4 heads over 2 kv heads (head_dim 28), tied embeddings.
    /// </summary>
    public static readonly LlamaConfig SmallLlama = new()
    {
        VocabularySize = 100,
        HiddenSize = 112,
        IntermediateSize = 308,
        Layers = 4,
        Heads = 4,
        KvHeads = 2,
        HeadDim = 28,
        TieWordEmbeddings = true,
        RopeTheta = 10000f,
        RmsNormEps = 1e-5f,
    };

    /// <summary>Tokens per step.</summary>
    public int Tokens => Batch * Length;

    /// <summary>The workloads of a scale: the small LLaMA's training step (batch 16 × 64) and a LLaMA-2-7B layer (seq 512), smaller below full.</summary>
    public static IReadOnlyList<ModelWorkload> For(BenchScale scale) => scale switch
    {
        BenchScale.Full => [Train(SmallLlama, 16, 64), Layer(4096, 11008, 32, 32, 512)],
        BenchScale.Quick => [Train(SmallLlama, 16, 64), Layer(2048, 5504, 16, 16, 256)],
        _ => [Train(SmallLlama with { HiddenSize = 32, IntermediateSize = 48, Layers = 2, HeadDim = 8 }, 2, 8), Layer(64, 128, 4, 2, 16)],
    };

    /// <summary>The adapter of every linear.</summary>
    public static ProLoraConfig Adapter(ModuleShape module) => ProLoraConfig.ProLora(module.InFeatures, module.OutFeatures, Rank, Unshared, Reduce, Reduce);

    /// <summary>The shape column (a layer's batch is 1).</summary>
    public string Shape => LayerOnly
        ? $"h={Config.HiddenSize} i={Config.IntermediateSize} H={Config.Heads}/{Config.KvHeads} T={Length}"
        : $"h={Config.HiddenSize} L={Config.Layers} H={Config.Heads}/{Config.KvHeads} B={Batch}x{Length}";

    /// <summary>
    /// Useful GFLOP of one step: every frozen linear's product forward and its input gradient backward
    /// (4·tokens·in·out), attention's two products forward and four backward over the full T×T scores
    /// (12·B·H·T²·D), the head's forward and input gradient, and each adapter's 6·tokens·r·(in + out).
    /// </summary>
    public double Gflop()
    {
        var c = Config;
        double linears = 0, adapters = 0;
        foreach (var leaf in LlamaModules.Leaves)
        {
            var (i, o) = LlamaModules.Size(c, leaf);
            linears += 4.0 * Tokens * i * o;
            adapters += 6.0 * Tokens * Rank * (i + o);
        }
        double attention = 12.0 * Batch * c.Heads * (double)Length * Length * c.HeadDim;
        double head = LayerOnly ? 0 : 4.0 * Tokens * c.HiddenSize * c.VocabularySize;
        return ((c.Layers * (linears + adapters + attention)) + head) / 1e9;
    }

    /// <summary>The peer's arguments after the script (bench ... --serve), <paramref name="model"/> the checkpoint folder of a training workload.</summary>
    public IReadOnlyList<string> PeerArguments(string? model, string device, int threads, int warmup)
    {
        var c = Config;
        var args = new List<string> { "bench" };
        args.AddRange(LayerOnly
            ? ["--layer", Join(c.HiddenSize, c.IntermediateSize, c.Heads, c.KvHeads, Length)]
            : ["--model", model ?? throw new ArgumentNullException(nameof(model)), "--seq", Length.ToString(CultureInfo.InvariantCulture)]);
        args.AddRange(["--random-adapter", Join(Rank, Unshared, Reduce, Reduce), "--batch", Batch.ToString(CultureInfo.InvariantCulture),
            "--threads", threads.ToString(CultureInfo.InvariantCulture), "--warmup", warmup.ToString(CultureInfo.InvariantCulture), "--device", device, "--serve"]);
        return args;
    }

    private static ModelWorkload Train(LlamaConfig config, int batch, int length) =>
        new("train", "small LLaMA train step", config, batch, length, LayerOnly: false);

    private static ModelWorkload Layer(int hidden, int intermediate, int heads, int kvHeads, int length) =>
        new("layer", hidden == 4096 ? "7B layer fwd+bwd" : "layer fwd+bwd", new LlamaConfig
        {
            VocabularySize = 1,
            HiddenSize = hidden,
            IntermediateSize = intermediate,
            Layers = 1,
            Heads = heads,
            KvHeads = kvHeads,
            HeadDim = hidden / heads,
            TieWordEmbeddings = true,
        }, 1, length, LayerOnly: true);

    private static string Join(params int[] values) => string.Join(',', values.Select(v => v.ToString(CultureInfo.InvariantCulture)));
}
