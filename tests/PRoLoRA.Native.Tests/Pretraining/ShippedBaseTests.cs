using PRoLoRA.Cli.Pretraining;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Text;

namespace PRoLoRA.Native.Tests.Pretraining;

/// <summary>The base model the repository ships in tools/PRoLoRA.Cli/Data/llama-base (copied beside the built CLI).</summary>
public class ShippedBaseTests
{
    private static string Folder => BaseModelShape.ShippedFolder;

    [Test]
    public void Loads_WithTheBaseShape()
    {
        using var model = LlamaModel.Load(Folder, CpuBackend.Instance);
        var tokenizer = Tokenizers.Load(Folder);
        var c = model.Config;
        Assert.Multiple(() =>
        {
            Assert.That(c, Is.EqualTo(BaseModelShape.Config()));
            Assert.That((c.VocabularySize, c.HiddenSize, c.IntermediateSize, c.Layers), Is.EqualTo((100, 112, 308, 4)));
            Assert.That((c.Heads, c.KvHeads, c.HeadDim, c.MaxPositions), Is.EqualTo((4, 2, 28, 256)));
            Assert.That((c.TieWordEmbeddings, c.RopeTheta, c.RmsNormEps), Is.EqualTo((true, 1e4f, 1e-5f)));
            Assert.That(tokenizer.VocabularySize, Is.EqualTo(c.VocabularySize));
            Assert.That((tokenizer.BosId, tokenizer.EosId), Is.EqualTo(((int?)c.BosTokenId, (int?)c.EosTokenId)));
            Assert.That(File.ReadAllText(Path.Combine(Folder, "config.json")), Does.Contain("\"torch_dtype\": \"bfloat16\""));
        });
    }

    [Test]
    public void GreedyGeneration_IsPrintableText()
    {
        using var model = LlamaModel.Load(Folder, CpuBackend.Instance);
        var tokenizer = Tokenizers.Load(Folder);
        var ids = LlamaGenerator.Continue(model, tokenizer.Encode("on 7 march 1999 tom went to"), new GenerationOptions(MaxNewTokens: 40), tokenizer.EosIds);
        string text = tokenizer.Decode(ids);
        TestContext.Out.WriteLine(text);
        Assert.That(ids, Has.Length.GreaterThan(3));
        Assert.That(ids, Has.None.EqualTo(CharTokenizer.UnkId).And.None.EqualTo(CharTokenizer.PadId).And.None.EqualTo(CharTokenizer.BosId));
        Assert.That(text, Has.All.Matches<char>(ch => ch == '\n' || (ch >= ' ' && ch <= '~')), text);
        Assert.That(text.Count(char.IsLetter), Is.GreaterThan(text.Length / 3), text);
    }
}
