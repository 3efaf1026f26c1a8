using System.Globalization;
using PRoLoRA.Native.IO;
using PRoLoRA.Native.Tests.IO;
using PRoLoRA.Native.Tests.Support;
using PRoLoRA.Native.Tests.Models;
using PRoLoRA.Native.Training;
using static PRoLoRA.Native.Tests.Cli.LlamaCli;

namespace PRoLoRA.Native.Tests.Cli;

/// <summary>`prolora eval` on the tiny reference LLaMA checkpoints: logits, loss, completion-only masking.</summary>
public class EvalCommandTests
{
    public static IEnumerable<TestCaseData> Runs() =>
        from c in LlamaGolden.Cases
        from run in new[] { "base", "prolora", "peft_lora" }
        select new TestCaseData(c, run).SetName($"Eval_Tokens_{c}_{run}_WritesTheReferenceLogitsAndTheirLoss");

    [TestCaseSource(nameof(Runs))]
    public void Eval_Tokens_WritesTheReferenceLogitsAndTheirLoss(string name, string run)
    {
        using var dir = new TempFolder();
        var output = dir.File("logits.safetensors");
        string[] adapter = run == "base" ? [] : ["--adapter", Path.Combine(LlamaGolden.Case(name), run)];
        var (code, o, e) = Run(["eval", "--model", LlamaGolden.Model(name), .. adapter, "--tokens", Path.Combine(LlamaGolden.Case(name), "tokens.json"), "--logits-out", output, "--batch-size", "1"]);
        Assert.That(code, Is.Zero, e);

        float[] logits;
        using (var written = SafetensorsFile.Open(output))
        using (var expected = SafetensorsFile.Open(Path.Combine(LlamaGolden.Case(name), $"logits_{run}.safetensors")))
        {
            Assert.That(written.Tensors.Select(t => t.Name), Is.EqualTo(new[] { "logits" }));
            Assert.That(written.Info("logits").Shape.ToArray(), Is.EqualTo(expected.Info("logits").Shape.ToArray()));
            Assert.That(written.Info("logits").DType, Is.EqualTo(SafetensorsDType.F32));
            logits = written.ReadFloat32("logits");
            FloatAssert.Close(logits, expected.ReadFloat32("logits"), $"{name}/{run} logits", 1e-3f, floor: 1f);
        }

        var (ids, batch, length) = LlamaGolden.Tokens(name);
        int v = logits.Length / ids.Length;
        double sum = 0;
        for (int b = 0; b < batch; b++)
        {
            for (int p = 0; p + 1 < length; p++)
            {
                sum += NegativeLogLikelihood(logits, (b * length) + p, v, ids[(b * length) + p + 1]);
            }
        }
        var last = LastLine(o);
        Assert.That(last, Does.StartWith("loss "));
        Assert.That(double.Parse(last["loss ".Length..], CultureInfo.InvariantCulture), Is.EqualTo(sum / (batch * (length - 1))).Within(1e-5).Percent);
        Assert.That(o, Does.Contain("perplexity "));
    }

    [Test]
    public void Eval_BatchSizeDoesNotChangeTheLoss()
    {
        var tokens = Path.Combine(LlamaGolden.Case("gqa8x2"), "tokens.json");
        string Loss(string batch)
        {
            var (code, o, e) = Run("eval", "--model", LlamaGolden.Model("gqa8x2"), "--tokens", tokens, "--batch-size", batch);
            Assert.That(code, Is.Zero, e);
            return LastLine(o);
        }
        Assert.That(double.Parse(Loss("1")[5..], CultureInfo.InvariantCulture), Is.EqualTo(double.Parse(Loss("2")[5..], CultureInfo.InvariantCulture)).Within(1e-5).Percent);
    }

    [Test]
    public void Eval_Data_CountsTheCompletionOnly()
    {
        using var dir = new TempFolder();
        var model = ModelWithTokenizer(dir, "mha");
        var (pairs, texts) = Records(dir);
        double pairLoss = DataLoss(model, pairs);
        double textLoss = DataLoss(model, texts);

        // Independently: each example alone, −log p of every next token at or after the prompt's end.
        var examples = TextExamples.Load(pairs, Native.Text.Tokenizers.Load(model));
        using var llama = Load(model);
        int v = llama.Config.VocabularySize;
        double sum = 0;
        int count = 0;
        foreach (var example in examples)
        {
            Assert.That(example.PromptLength, Is.GreaterThan(1));
            var logits = Logits(llama, example.Ids, 1, example.Ids.Length);
            for (int p = example.PromptLength - 1; p + 1 < example.Ids.Length; p++)
            {
                sum += NegativeLogLikelihood(logits, p, v, example.Ids[p + 1]);
                count++;
            }
        }
        Assert.That(pairLoss, Is.EqualTo(sum / count).Within(1e-4).Percent);
        Assert.That(Math.Abs(pairLoss - textLoss), Is.GreaterThan(1e-3), "the prompt tokens must not count");
    }

    [Test]
    public void Eval_Data_LogitsOut_HoldsEachExamplesOwnLogitsAndZerosPastItsEnd()
    {
        using var dir = new TempFolder();
        var model = ModelWithTokenizer(dir, "gqa8x2");
        var (pairs, _) = Records(dir);
        var output = dir.File("logits.safetensors");
        DataLoss(model, pairs, "--logits-out", output);

        var examples = TextExamples.Load(pairs, Native.Text.Tokenizers.Load(model));
        using var llama = Load(model);
        int v = llama.Config.VocabularySize;
        int length = examples.Max(e => e.Ids.Length);
        using var written = SafetensorsFile.Open(output);
        Assert.That(written.Info("logits").Shape.ToArray(), Is.EqualTo(new[] { examples.Count, length, v }));
        var logits = written.ReadFloat32("logits");
        for (int i = 0; i < examples.Count; i++)
        {
            int n = examples[i].Ids.Length;
            var row = logits.AsSpan(i * length * v, length * v);
            FloatAssert.Close(row[..(n * v)].ToArray(), Logits(llama, examples[i].Ids, 1, n), $"example {i}", 1e-4f, floor: 1f);
            Assert.That(row[(n * v)..].ToArray(), Is.All.Zero, $"example {i}'s padding");
        }
        Assert.That(examples.Select(e => e.Ids.Length).Distinct().Count(), Is.GreaterThan(1), "some example is padded");
    }

    /// <summary>The same three records as prompt/completion pairs and as texts.</summary>
    private static (string Pairs, string Texts) Records(TempFolder dir)
    {
        (string Prompt, string Completion)[] records = [("the cat", " sat on the mat."), ("One two", " three four five!"), ("abc", " xyz")];
        var pairs = dir.File("pairs.jsonl");
        var texts = dir.File("texts.jsonl");
        File.WriteAllLines(pairs, records.Select(r => $"{{\"prompt\": \"{r.Prompt}\", \"completion\": \"{r.Completion}\"}}"));
        File.WriteAllLines(texts, records.Select(r => $"{{\"text\": \"{r.Prompt}{r.Completion}\"}}"));
        return (pairs, texts);
    }

    private static double DataLoss(string model, string data, params string[] more)
    {
        var (code, o, e) = Run(["eval", "--model", model, "--data", data, "--batch-size", "2", .. more]);
        Assert.That(code, Is.Zero, e);
        var last = LastLine(o);
        Assert.That(last, Does.StartWith("loss "));
        return double.Parse(last[5..], CultureInfo.InvariantCulture);
    }
}
