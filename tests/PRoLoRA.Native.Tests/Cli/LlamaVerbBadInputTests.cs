using PRoLoRA.Native.Tests.IO;
using PRoLoRA.Native.Tests.Support;
using PRoLoRA.Native.Tests.Models;
using static PRoLoRA.Native.Tests.Cli.LlamaCli;

namespace PRoLoRA.Native.Tests.Cli;

/// <summary>Every bad input of `prolora eval` and `prolora generate` exits 2 with a message naming the problem, and writes nothing.</summary>
public class LlamaVerbBadInputTests
{
    private TempFolder? _dir;

    private TempFolder Dir => _dir ?? throw new InvalidOperationException("made in OneTimeSetUp");

    /// <summary>
    /// {dir} holds: model/ (mha with a tokenizer), noconfig/ (weights only), badconfig/ (config.json
    /// cut short), tokens.json, data.jsonl, bad.jsonl (line 2 broken), badtokens.json, unequal.json,
    /// outofrange.json, out/ (empty, for --logits-out).
    /// </summary>
    [OneTimeSetUp]
    public void MakeFiles()
    {
        _dir = new TempFolder();
        ModelWithTokenizer(_dir, "mha");
        var noConfig = Directory.CreateDirectory(_dir.File("noconfig")).FullName;
        File.Copy(Path.Combine(LlamaGolden.Model("mha"), "model.safetensors"), Path.Combine(noConfig, "model.safetensors"));
        var badConfig = Directory.CreateDirectory(_dir.File("badconfig")).FullName;
        File.WriteAllText(Path.Combine(badConfig, "config.json"), "{\"hidden_size\": 32,");
        File.Copy(Path.Combine(LlamaGolden.Case("mha"), "tokens.json"), _dir.File("tokens.json"));
        File.WriteAllText(_dir.File("data.jsonl"), "{\"prompt\": \"ab\", \"completion\": \" cd\"}\n");
        File.WriteAllText(_dir.File("bad.jsonl"), "{\"text\": \"ab\"}\n{\"text\": \"cd\n{\"text\": \"ef\"}\n");
        File.WriteAllText(_dir.File("badtokens.json"), "{\"input_ids\": [[1, 2, 3],");
        File.WriteAllText(_dir.File("unequal.json"), "{\"input_ids\": [[1, 2, 3], [4, 5], [6, 7, 8]]}");
        File.WriteAllText(_dir.File("outofrange.json"), "{\"input_ids\": [[1, 2, 3], [4, 5, 97]]}");
        Directory.CreateDirectory(_dir.File("out"));
    }

    /// <summary>Removes the files.</summary>
    [OneTimeTearDown]
    public void RemoveFiles() => _dir?.Dispose();

    private const string Golden = "{golden}";

    public static IEnumerable<TestCaseData> Cases()
    {
        TestCaseData Case(string name, string[] args, params string[] mentions) => new TestCaseData(args, mentions).SetName($"BadInput_{name}");
        string[] eval = ["eval", "--model", "{dir}/model"];
        string[] generate = ["generate", "--model", "{dir}/model", "--prompt", "the cat"];
        yield return Case("ModelFolderMissing", ["eval", "--model", "{dir}/nope", "--tokens", "{dir}/tokens.json"], "{dir}/nope", "no such checkpoint folder");
        yield return Case("ModelIsAFile", ["eval", "--model", "{dir}/tokens.json", "--tokens", "{dir}/tokens.json"], "{dir}/tokens.json", "not a checkpoint folder");
        yield return Case("ConfigMissing", ["eval", "--model", "{dir}/noconfig", "--tokens", "{dir}/tokens.json"], "{dir}/noconfig/config.json", "no such file");
        yield return Case("ConfigMalformed", ["generate", "--model", "{dir}/badconfig", "--prompt", "ab"], "{dir}/badconfig/config.json", "not valid JSON");
        yield return Case("NoTokenizerForData", ["eval", "--model", $"{Golden}/mha/model", "--data", "{dir}/data.jsonl"], "tokenizer", "--data");
        yield return Case("NoTokenizerForPrompt", ["generate", "--model", $"{Golden}/mha/model", "--prompt", "ab"], "tokenizer", "generate");
        yield return Case("JsonlMalformed", [.. eval, "--data", "{dir}/bad.jsonl"], "{dir}/bad.jsonl:2");
        yield return Case("TokensMalformed", [.. eval, "--tokens", "{dir}/badtokens.json"], "{dir}/badtokens.json", "not valid JSON");
        yield return Case("TokensUnequalRows", [.. eval, "--tokens", "{dir}/unequal.json"], "{dir}/unequal.json", "input_ids[1]", "same length");
        yield return Case("TokenIdOutOfRange", [.. eval, "--tokens", "{dir}/outofrange.json"], "{dir}/outofrange.json", "input_ids[1][2]", "[0, 97)", "got 97");
        yield return Case("DataAndTokens", [.. eval, "--tokens", "{dir}/tokens.json", "--data", "{dir}/data.jsonl"], "--data or --tokens, not both");
        yield return Case("NeitherDataNorTokens", eval, "--data", "--tokens");
        yield return Case("ProLoraAdapterOfAnotherModel", [.. eval, "--tokens", "{dir}/tokens.json", "--adapter", $"{Golden}/gqa8x2/prolora"], "model.layers.0.self_attn.q_proj", "another model");
        yield return Case("PeftAdapterOfAnotherModel", [.. generate, "--adapter", $"{Golden}/gqa8x2/peft_lora"], "model.layers.0.self_attn.q_proj", "another model");
        yield return Case("AdapterFolderMissing", [.. eval, "--tokens", "{dir}/tokens.json", "--adapter", "{dir}/noadapter"], "{dir}/noadapter");
        yield return Case("MaxNewTokensZero", [.. generate, "--max-new-tokens", "0"], "--max-new-tokens", "> 0");
        yield return Case("MaxNewTokensNegative", [.. generate, "--max-new-tokens", "-3"], "--max-new-tokens", "> 0");
        yield return Case("MaxNewTokensPastTheContext", [.. generate, "--max-new-tokens", "1000"], "--max-new-tokens", "max_position_embeddings");
        yield return Case("TemperatureNegative", [.. generate, "--temperature", "-0.5"], "--temperature", ">= 0");
        yield return Case("TopPZero", [.. generate, "--top-p", "0"], "--top-p", "(0, 1]");
        yield return Case("TopPAboveOne", [.. generate, "--top-p", "1.5"], "--top-p", "(0, 1]");
        yield return Case("UnknownDeviceEval", [.. eval, "--tokens", "{dir}/tokens.json", "--device", "tpu", "--logits-out", "{dir}/out/logits.safetensors"], "unknown device 'tpu'");
        yield return Case("UnknownDeviceGenerate", [.. generate, "--device", "cuda:x"], "cuda:x");
        yield return Case("LogitsOutIntoAMissingFolder", [.. eval, "--tokens", "{dir}/tokens.json", "--logits-out", "{dir}/nofolder/logits.safetensors"], "--logits-out", "{dir}/nofolder", "does not exist");
        yield return Case("BaseDTypeUnknown", [.. eval, "--tokens", "{dir}/tokens.json", "--base-dtype", "int8"], "--base-dtype", "f32, bf16, nf4", "'int8'");
        yield return Case("DoubleQuantWithoutNf4", [.. generate, "--double-quant"], "--double-quant", "--base-dtype nf4");
        yield return Case("BatchSizeZero", [.. eval, "--tokens", "{dir}/tokens.json", "--batch-size", "0"], "--batch-size");
    }

    [TestCaseSource(nameof(Cases))]
    public void BadInput_ExitsTwoNamingTheProblem(string[] args, string[] mentions)
    {
        string Fill(string s) => s.Replace("{dir}", Dir.Path, StringComparison.Ordinal).Replace(Golden, Path.Combine(AppContext.BaseDirectory, "Golden", "llama"), StringComparison.Ordinal);
        var (code, o, e) = Run([.. args.Select(Fill)]);
        Assert.That(code, Is.EqualTo(PRoLoRA.Cli.Cli.BadInput), o + e);
        Assert.That(e, Does.StartWith("error: "));
        Assert.That(e, Does.Not.Contain("   at "), "no stack trace");
        foreach (var m in mentions)
        {
            Assert.That(e, Does.Contain(Fill(m)));
        }
        Assert.That(Directory.EnumerateFileSystemEntries(Dir.File("out")), Is.Empty, "nothing is written");
    }
}
