using PRoLoRA.Native.Tests.IO;
using PRoLoRA.Native.Tests.Support;
using PRoLoRA.Native.Tests.Models;
using PRoLoRA.Native.Text;
using static PRoLoRA.Native.Tests.Cli.LlamaCli;

namespace PRoLoRA.Native.Tests.Cli;

/// <summary>`prolora generate` on the tiny reference LLaMA checkpoints (with a hand-made tokenizer).</summary>
public class GenerateCommandTests
{
    private const string Prompt = "the cat";

    [TestCase("mha", "base")]
    [TestCase("gqa8x2", "prolora")]
    [TestCase("mha", "peft_lora")]
    public void Generate_Greedy_IsTheArgmaxOfFullPasses(string name, string run)
    {
        using var dir = new TempFolder();
        var model = ModelWithTokenizer(dir, name);
        string? adapter = run == "base" ? null : Path.Combine(LlamaGolden.Case(name), run);
        var tokenizer = Tokenizers.Load(model);

        // The reference: the whole sequence through the model for every new token, no cache.
        var ids = tokenizer.Encode(Prompt).ToList();
        var expected = new List<int>();
        using (var llama = Load(model, adapter))
        {
            int v = llama.Config.VocabularySize;
            for (int i = 0; i < 12; i++)
            {
                var logits = Logits(llama, [.. ids], 1, ids.Count).AsSpan((ids.Count - 1) * v, v);
                int best = 0;
                for (int t = 1; t < v; t++)
                {
                    best = logits[t] > logits[best] ? t : best;
                }
                if (tokenizer.EosIds.Contains(best))
                {
                    break;
                }
                expected.Add(best);
                ids.Add(best);
            }
        }
        Assert.That(expected, Is.Not.Empty, "the reference continuation must have a token to compare");

        string[] args = ["generate", "--model", model, .. adapter is null ? Array.Empty<string>() : ["--adapter", adapter], "--prompt", Prompt, "--max-new-tokens", "12"];
        var first = Run(args);
        var second = Run([.. args, "--seed", "5"]);
        Assert.That(first.Code, Is.Zero, first.Err);
        Assert.That(first.Out, Is.EqualTo(tokenizer.Decode([.. expected]) + Environment.NewLine));
        Assert.That(second.Out, Is.EqualTo(first.Out), "greedy decoding does not depend on the seed");
    }

    [Test]
    public void Generate_Sampling_IsReproducibleForASeed()
    {
        using var dir = new TempFolder();
        var model = ModelWithTokenizer(dir, "gqa8x2");
        string Sample(int seed)
        {
            var (code, o, e) = Run("generate", "--model", model, "--prompt", Prompt, "--max-new-tokens", "16", "--temperature", "1.5", "--top-p", "0.95", "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.That(code, Is.Zero, e);
            return o;
        }
        var samples = Enumerable.Range(1, 4).Select(Sample).ToList();
        Assert.That(Sample(3), Is.EqualTo(samples[2]));
        Assert.That(samples.Distinct().Count(), Is.GreaterThan(1), "different seeds draw different tokens");
    }
}
