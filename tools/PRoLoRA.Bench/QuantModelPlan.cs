using PRoLoRA.Native.Models.Llama;

namespace PRoLoRA.Bench;

/// <summary>
/// The quant group's whole-model sizes at a scale: the model whose base bytes are measured and the
/// NF4 training step (the model, batch × length tokens, untimed warm-up steps and timed steps).
/// Full: LLaMA-2-7B, batch 1 × 64; quick: the 7B's shapes with 2 of its 32 layers, 1 × 32; tiny: a toy.
/// </summary>
/// <param name="Workload">The model and tokens of a step (PRoLoRA r=8, u=1, m=n=7 on all seven linears, as the model group).</param>
/// <param name="Label">What the model is, for the shape column ("LLaMA-2-7B", "LLaMA-2-7B shapes, 2 of 32 layers").</param>
/// <param name="Warmup">Untimed steps first.</param>
/// <param name="Reps">Timed steps.</param>
internal sealed record QuantModelPlan(ModelWorkload Workload, string Label, int Warmup, int Reps)
{
    /// <summary>The model's shape.</summary>
    public LlamaConfig Config => Workload.Config;

    /// <summary>The plan of <paramref name="scale"/>.</summary>
    public static QuantModelPlan For(BenchScale scale)
    {
        var full = QuantizedLlama.Llama2_7B;
        return scale switch
        {
            BenchScale.Full => new(Step(full, 64), "LLaMA-2-7B", Warmup: 1, Reps: 2),
            BenchScale.Quick => new(Step(full with { Layers = 2 }, 32), $"LLaMA-2-7B shapes, 2 of {full.Layers} layers", Warmup: 1, Reps: 2),
            _ => new(Step(new LlamaConfig
            {
                VocabularySize = 64,
                HiddenSize = 64,
                IntermediateSize = 160,
                Layers = 2,
                Heads = 4,
                KvHeads = 4,
                HeadDim = 16,
            }, 8), "toy LLaMA", Warmup: 0, Reps: 2),
        };
    }

    private static ModelWorkload Step(LlamaConfig config, int length) => new("quant", "nf4 base train step", config, Batch: 1, length, LayerOnly: false);
}
