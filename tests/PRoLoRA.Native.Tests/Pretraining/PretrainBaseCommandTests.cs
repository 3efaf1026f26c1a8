using PRoLoRA.Cli.Pretraining;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Text;

namespace PRoLoRA.Native.Tests.Pretraining;

/// <summary>`prolora pretrain-base` on a tiny shape: a folder that loads, a loss that falls, bad input refused.</summary>
public class PretrainBaseCommandTests
{
    private static readonly string[] Tiny =
        ["--width", "16", "--layers", "1", "--batch-size", "4", "--sequence-length", "32", "--validation-sequences", "4", "--log-every", "10", "--evaluate-every", "20"];

    private string _root = "";

    [SetUp]
    public void MakeRoot() => _root = Directory.CreateTempSubdirectory("pretrain-base-").FullName;

    [TearDown]
    public void DeleteRoot() => Directory.Delete(_root, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = PRoLoRA.Cli.Cli.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Test]
    public void FewSteps_WriteAFolderThatLoads()
    {
        string folder = Path.Combine(_root, "base");
        var (code, o, e) = Run(["pretrain-base", "--out", folder, "--steps", "20", .. Tiny]);
        Assert.That(code, Is.Zero, e);
        Assert.That(o, Does.Contain("step 20/20").And.Contain("tok/s").And.Contain($"wrote {folder}"));
        Assert.That(Directory.GetFiles(folder).Select(Path.GetFileName), Is.EquivalentTo(new[]
        {
            "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json",
        }));
        using var model = LlamaModel.Load(folder, CpuBackend.Instance);
        var tokenizer = Tokenizers.Load(folder);
        Assert.Multiple(() =>
        {
            Assert.That(model.Config, Is.EqualTo(BaseModelShape.Config(16, 1)));
            Assert.That(tokenizer.VocabularySize, Is.EqualTo(model.Config.VocabularySize));
            Assert.That(File.ReadAllText(Path.Combine(folder, "config.json")), Does.Contain("\"torch_dtype\": \"bfloat16\"").And.Contain("\"pad_token_id\": 3"));
        });
    }

    [Test]
    public void SameSeed_SameFolderBytes()
    {
        string a = Path.Combine(_root, "a"), b = Path.Combine(_root, "b");
        Assert.That(Run(["pretrain-base", "--out", a, "--steps", "5", "--seed", "4", .. Tiny]).Code, Is.Zero);
        Assert.That(Run(["pretrain-base", "--out", b, "--steps", "5", "--seed", "4", .. Tiny]).Code, Is.Zero);
        foreach (var file in Directory.GetFiles(a).Select(Path.GetFileName))
        {
            Assert.That(File.ReadAllBytes(Path.Combine(b, file!)), Is.EqualTo(File.ReadAllBytes(Path.Combine(a, file!))), file);
        }
    }

    [Test]
    public void Loss_GoesDown()
    {
        var options = new PretrainOptions { Steps = 40, BatchSize = 4, SequenceLength = 32, ValidationSequences = 4, LogEvery = 10, EvaluateEvery = 40 };
        var output = new StringWriter();
        var result = BasePretrainer.Run(CpuBackend.Instance, BaseModelShape.Config(16, 1), options, output);
        using (result.Model)
        {
            Assert.That(result.ValidationLoss, Is.LessThan(result.InitialValidationLoss - 0.5), output.ToString());
            Assert.That(result.TrainLoss, Is.LessThan(Math.Log(CharTokenizer.VocabularySize)));
            Assert.That(result.Tokens, Is.EqualTo(40 * 4 * 32));
        }
    }

    [TestCase("--steps", "0", "--steps must be > 0")]
    [TestCase("--steps", "-3", "--steps must be > 0")]
    [TestCase("--width", "12", "--width must be a positive multiple of 8")]
    [TestCase("--sequence-length", "300", "--sequence-length must be in [2, 256]")]
    public void BadNumbers_ExitTwo(string option, string value, string message)
    {
        var tiny = Tiny.Chunk(2).Where(pair => pair[0] != option).SelectMany(pair => pair);
        var (code, o, e) = Run(["pretrain-base", "--out", Path.Combine(_root, "base"), .. tiny, option, value]);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(e, Does.Contain(message));
        Assert.That(o, Is.Empty, "refused before training");
    }

    [Test]
    public void UnwritableOut_ExitsTwoBeforeTraining()
    {
        string file = Path.Combine(_root, "a-file");
        File.WriteAllText(file, "x");
        foreach (string bad in new[] { file, Path.Combine(file, "base") })
        {
            var (code, o, e) = Run(["pretrain-base", "--out", bad, "--steps", "5", .. Tiny]);
            Assert.That(code, Is.EqualTo(2), bad);
            Assert.That(e, Does.Contain(file), bad);
            Assert.That(o, Is.Empty, bad);
        }
    }

    [Test]
    public void MissingOut_ExitsTwo() => Assert.That(Run("pretrain-base", "--steps", "5").Code, Is.EqualTo(2));
}
