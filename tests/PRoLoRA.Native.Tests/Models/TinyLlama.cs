using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Models.Llama;

namespace PRoLoRA.Native.Tests.Models;

/// <summary>Small LLaMA shapes and helpers for the tests of models made from scratch.</summary>
internal static class TinyLlama
{
    /// <summary>Grouped-query (4 heads over 2), tied head, 2 layers, vocabulary 11.</summary>
    public static LlamaConfig Tied { get; } = new()
    {
        HiddenSize = 16,
        IntermediateSize = 24,
        Layers = 2,
        Heads = 4,
        KvHeads = 2,
        HeadDim = 4,
        VocabularySize = 11,
        RmsNormEps = 1e-5f,
        TieWordEmbeddings = true,
        MaxPositions = 32,
        BosTokenId = 1,
        EosTokenId = 2,
    };

    /// <summary>Its own head, attention biases, linear RoPE scaling, head width 6 apart from hidden/heads.</summary>
    public static LlamaConfig Untied { get; } = Tied with { HeadDim = 6, TieWordEmbeddings = false, AttentionBias = true, RopeScale = 2f, RopeTheta = 500f, BosTokenId = null, EosTokenId = null };

    /// <summary>A fixed batch of 2 × 7 ids.</summary>
    public static int[] Ids { get; } = [1, 5, 3, 9, 10, 0, 4, 1, 7, 7, 2, 8, 6, 3];

    /// <summary>The logits of <see cref="Ids"/> (batch 2, length 7), recorded nowhere.</summary>
    public static float[] Logits(LlamaModel model)
    {
        using var tape = new Tape(model.Backend);
        using var _ = tape.NoGrad();
        return model.Forward(tape, Ids, 2, 7).Value.ToArray();
    }

    /// <summary>Every base weight's values, by name.</summary>
    public static Dictionary<string, float[]> Weights(LlamaModel model)
        => model.Weights().ToDictionary(w => w.Name, w => w.Value.ToArray(), StringComparer.Ordinal);
}
