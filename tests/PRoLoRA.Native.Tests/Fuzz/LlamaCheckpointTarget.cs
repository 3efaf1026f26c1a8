using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Models.Llama;

namespace PRoLoRA.Native.Tests.Fuzz;

/// <summary>
/// A Hugging Face LLaMA checkpoint folder (a tiny valid one mutated: its config.json or its
/// model.safetensors): LlamaModel.Load, then a forward pass of two tokens, whose logits must be
/// finite when the weights are.
/// </summary>
internal sealed class LlamaCheckpointTarget : FuzzTarget
{
    public override string Name => "llama-checkpoint";

    public override IReadOnlyList<string> FileNames => ["config.json", "model.safetensors"];

    public override FuzzInput Mutate(Mutator m)
    {
        var config = FuzzSeeds.LlamaConfig;
        var weights = FuzzSeeds.LlamaWeights;
        if (m.Chance(0.5))
        {
            config = new JsonMutator(m).Mutate(config, [config]);
        }
        else
        {
            weights = LayoutMutator(m).Mutate(weights, FuzzSeeds.SafetensorsFiles);
        }
        return new FuzzInput(new Dictionary<string, byte[]> { ["config.json"] = config, ["model.safetensors"] = weights });
    }

    public override void Run(FuzzInput input, string dir, CaseResult result, bool cli)
    {
        input.WriteTo(dir);
        string[] paths = [.. FileNames.Select(n => Path.Combine(dir, n)), dir];
        LlamaModel? model = null;
        if (!FuzzContract.Attempt(result, "LlamaModel.Load", () => model = LlamaModel.Load(dir, CpuBackend.Instance), paths))
        {
            return;
        }
        result.Reach("loaded");
        using (model)
        {
            int vocabulary = model!.Config.VocabularySize;
            FuzzContract.MustNotThrow(result, "Forward", () =>
            {
                using var tape = new Tape(model.Backend);
                using var _ = tape.NoGrad();
                model.Forward(tape, [0, vocabulary - 1], 1, 2).Value.ToArray();
            });
            result.Reach("forward");
        }
    }
}
