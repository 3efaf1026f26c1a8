using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Adapters;

/// <summary>
/// The state of one PRoLoRA adapter: its config and four trainable tensors, separate from any base
/// layer so that many adapters can share one frozen base. Shapes (docs/method.md):
/// chunk_a (r−u)×ceil(in/m), vec_a u×in, chunk_b ceil(out/n)×(r−u), vec_b u×out.
/// </summary>
public sealed class ProLoraAdapter : IDisposable
{
    /// <summary>Wraps existing tensors (checked against the config); the adapter takes ownership.</summary>
    public ProLoraAdapter(ProLoraConfig config, Tensor chunkA, Tensor vecA, Tensor chunkB, Tensor vecB)
    {
        Config = config.Validate();
        chunkA.CheckShape(new Shape(config.SharedRank, config.ChunkSizeA), "chunk_a");
        vecA.CheckShape(new Shape(config.UnsharedRank, config.InFeatures), "vec_a");
        chunkB.CheckShape(new Shape(config.ChunkSizeB, config.SharedRank), "chunk_b");
        vecB.CheckShape(new Shape(config.UnsharedRank, config.OutFeatures), "vec_b");
        ChunkA = Variable.Parameter(chunkA, "lora_A");
        VecA = Variable.Parameter(vecA, "lora_A_vec");
        ChunkB = Variable.Parameter(chunkB, "lora_B");
        VecB = Variable.Parameter(vecB, "lora_B_vec");
    }

    /// <summary>The configuration.</summary>
    public ProLoraConfig Config { get; }

    /// <summary>Shared chunk of A, (r−u)×ceil(in/m).</summary>
    public Variable ChunkA { get; }

    /// <summary>Unshared ranks of A, u×in.</summary>
    public Variable VecA { get; }

    /// <summary>Shared chunk of B, ceil(out/n)×(r−u).</summary>
    public Variable ChunkB { get; }

    /// <summary>Unshared ranks of B, u×out (stored as rows, like the official code).</summary>
    public Variable VecB { get; }

    /// <summary>The backend the tensors live on.</summary>
    public IBackend Backend => ChunkA.Value.Backend;

    /// <summary>The four trainable tensors.</summary>
    public IReadOnlyList<Variable> Parameters => [ChunkA, VecA, ChunkB, VecB];

    /// <summary>
    /// A new adapter initialised as the config says: chunk_a and vec_a uniform in ±1/√fan_in
    /// (Kaiming-uniform with a = √5; fan_in = in for rectified, the chunk width for vanilla's chunk),
    /// chunk_b and vec_b zero. Deterministic in <see cref="ProLoraConfig.Seed"/>.
    /// </summary>
    public static ProLoraAdapter Create(ProLoraConfig config, IBackend backend)
    {
        config.Validate();
        var rng = new Random(config.Seed);
        int chunkFanIn = config.Init == InitKind.Rectified ? config.InFeatures : config.ChunkSizeA;
        var chunkA = RandomValues.Uniform(rng, config.SharedRank * config.ChunkSizeA, 1f / MathF.Sqrt(chunkFanIn));
        var vecA = RandomValues.Uniform(rng, config.UnsharedRank * config.InFeatures, 1f / MathF.Sqrt(config.InFeatures));
        return new ProLoraAdapter(
            config,
            backend.FromArray(chunkA, new Shape(config.SharedRank, config.ChunkSizeA)),
            backend.FromArray(vecA, new Shape(config.UnsharedRank, config.InFeatures)),
            backend.Zeros(new Shape(config.ChunkSizeB, config.SharedRank)),
            backend.Zeros(new Shape(config.UnsharedRank, config.OutFeatures)));
    }

    /// <summary>The full A (r×in, PEFT layout) as a new tensor.</summary>
    public Tensor MaterializeA()
    {
        var a = Backend.Empty(new Shape(Config.Rank, Config.InFeatures));
        Backend.BroadcastRoll(ChunkA.Value, VecA.Value, a, Config.ShiftA);
        return a;
    }

    /// <summary>The full B (out×r, PEFT layout) as a new tensor.</summary>
    public Tensor MaterializeB()
    {
        var b = Backend.Empty(new Shape(Config.OutFeatures, Config.Rank));
        Backend.BroadcastRoll(ChunkB.Value.T, VecB.Value, b.T, Config.ShiftB);
        return b;
    }

    /// <summary>
    /// y = beta·y + alpha · x·Aᵀ·Bᵀ computed from the compact tensors (<see cref="CompactProducts"/>),
    /// A and B never built: x (N×in) and y (N×out) contiguous on this adapter's backend. Inference
    /// only: nothing is recorded for a backward.
    /// </summary>
    public void CompactDelta(Tensor x, Tensor y, float alpha, float beta = 1f)
    {
        ArgumentNullException.ThrowIfNull(x);
        var c = Config;
        if (x.Shape.Rank != 2)
        {
            throw new ArgumentException($"x must be 2-D (N×{c.InFeatures}), got shape {x.Shape}", nameof(x));
        }
        using var hShared = Backend.Empty(new Shape(x.Shape[0], c.SharedRank));
        using var hUnshared = Backend.Empty(new Shape(x.Shape[0], c.UnsharedRank));
        CompactProducts.Shrink(x, ChunkA.Value, VecA.Value, c.ShiftA, hShared, hUnshared);
        CompactProducts.Expand(hShared, hUnshared, ChunkB.Value, VecB.Value, c.ShiftB, y, alpha, beta);
    }

    /// <summary>Zeroes the four gradients.</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters)
        {
            p.ZeroGrad();
        }
    }

    /// <summary>Frees the tensors and their gradients.</summary>
    public void Dispose()
    {
        foreach (var p in Parameters)
        {
            p.Release();
        }
    }
}
