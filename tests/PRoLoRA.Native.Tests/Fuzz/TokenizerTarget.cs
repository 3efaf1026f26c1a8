using System.Text;
using PRoLoRA.Native.Text;

namespace PRoLoRA.Native.Tests.Fuzz;

/// <summary>
/// A checkpoint's tokenizer files (small valid ones mutated): a tokenizer.json of either kind with
/// tokenizer_config.json and config.json, or a tokenizer.model: Tokenizers.Load, then a few texts
/// encoded and their ids decoded. No CLI verb reads tokenizers.
/// </summary>
internal sealed class TokenizerTarget : FuzzTarget
{
    private static readonly string[] Texts = ["", "Hello world!", " <s>x</s> ", "日本語 😀abc\t\n", "123 4567 'll"];

    public override string Name => "tokenizer";

    public override IReadOnlyList<string> FileNames => ["tokenizer.json", "tokenizer.model", "tokenizer_config.json", "config.json"];

    public override FuzzInput Mutate(Mutator m)
    {
        if (m.Chance(0.3))
        {
            return new FuzzInput("tokenizer.model", m.Bytes(FuzzSeeds.TokenizerModel, [FuzzSeeds.TokenizerModel]));
        }
        var json = new JsonMutator(m);
        var seeds = FuzzSeeds.TokenizerJsonFiles;
        var files = new Dictionary<string, byte[]> { ["tokenizer.json"] = json.Mutate(m.Pick(seeds), seeds) };
        if (m.Chance(0.5))
        {
            files["tokenizer_config.json"] = m.Chance(0.5) ? json.Mutate(FuzzSeeds.TokenizerConfig, [FuzzSeeds.TokenizerConfig]) : FuzzSeeds.TokenizerConfig;
            files["config.json"] = json.Mutate(FuzzSeeds.ModelConfig, [FuzzSeeds.ModelConfig]);
        }
        return new FuzzInput(files);
    }

    public override void Run(FuzzInput input, string dir, CaseResult result, bool cli)
    {
        input.WriteTo(dir);
        string[] paths = [.. FileNames.Select(n => Path.Combine(dir, n))];
        ITokenizer? tokenizer = null;
        if (!FuzzContract.Attempt(result, "Tokenizers.Load", () => tokenizer = Tokenizers.Load(dir), paths))
        {
            return;
        }
        result.Reach("loaded");
        foreach (var text in Texts)
        {
            int[] ids = [];
            // A pattern read from the file may backtrack past its time limit: an InvalidDataException naming the file.
            if (FuzzContract.Attempt(result, $"Encode(\"{text}\")", () => ids = tokenizer!.Encode(text), paths))
            {
                result.Reach("encoded");
                FuzzContract.MustNotThrow(result, "Decode", () => Encoding.UTF8.GetByteCount(tokenizer!.Decode(ids) + tokenizer.Decode(ids, skipSpecial: false)));
            }
        }
    }
}
