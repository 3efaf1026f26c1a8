using PRoLoRA.Cli.Pretraining;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Quantization;
using PRoLoRA.Native.Tensors;
using PRoLoRA.Native.Tests.Support;
using PRoLoRA.Native.Tests.Cli;
using static PRoLoRA.Native.Tests.Cli.LlamaCli;

namespace PRoLoRA.Native.Tests.Quantization;

/// <summary>
/// <see cref="LlamaModel.Load(string, Backends.IBackend, BaseDType)"/>: the linears quantised while loading
/// (or kept NF4 as stored), the rest float32, and the model's numbers against the float32 base.
/// </summary>
public class QuantizedBaseLoadTests
{
    private TempFolder? _dir;

    private static string Shipped => BaseModelShape.ShippedFolder;

    private string Nf4Folder => Path.Combine(_dir!.Path, "nf4");

    private string Nf4DoubleQuantFolder => Path.Combine(_dir!.Path, "nf4-dq");

    [OneTimeSetUp]
    public void Quantize()
    {
        _dir = new TempFolder();
        LlamaCheckpointQuantizer.Quantize(Shipped, Nf4Folder, CheckpointStorage.Nf4);
        LlamaCheckpointQuantizer.Quantize(Shipped, Nf4DoubleQuantFolder, CheckpointStorage.Nf4, doubleQuantize: true);
    }

    [OneTimeTearDown]
    public void Remove() => _dir?.Dispose();

    [TestCase("f32", TensorDType.Float32)]
    [TestCase("bf16", TensorDType.BFloat16)]
    [TestCase("nf4", TensorDType.Nf4)]
    public void Load_KeepsTheLinearsAsAsked_AndTheRestFloat32(string name, TensorDType expected)
    {
        using var model = LlamaModel.Load(Shipped, CpuBackend.Instance, BaseDType.Parse(name));
        int linears = 0;
        foreach (var w in model.Weights())
        {
            bool linear = LlamaCheckpointQuantizer.IsQuantizedLinear(w.Name);
            linears += linear ? 1 : 0;
            Assert.That(w.Value.DType, Is.EqualTo(linear ? expected : TensorDType.Float32), w.Name);
        }
        Assert.That(linears, Is.EqualTo(7 * model.Config.Layers));
    }

    [Test]
    public void Load_AsStored_KeepsAnNf4CheckpointNf4_AndAnF32OneFloat32()
    {
        using var nf4 = LlamaModel.Load(Nf4Folder, CpuBackend.Instance);
        using var f32 = LlamaModel.Load(Shipped, CpuBackend.Instance);
        var q = nf4.Weights().Single(w => w.Name == "model.layers.0.mlp.down_proj.weight");
        Assert.Multiple(() =>
        {
            Assert.That(q.Value.DType, Is.EqualTo(TensorDType.Nf4));
            Assert.That(f32.Weights().All(w => w.Value.DType == TensorDType.Float32), Is.True);
        });
    }

    [TestCase(false)]
    [TestCase(true)]
    public void QuantisingWhileLoading_GivesTheQuantisedCheckpointsLogits(bool doubleQuant)
    {
        var ids = QuantizeCommandTests.LossText();
        using var loaded = LlamaModel.Load(Shipped, CpuBackend.Instance, BaseDType.Parse("nf4", doubleQuant));
        using var stored = LlamaModel.Load(doubleQuant ? Nf4DoubleQuantFolder : Nf4Folder, CpuBackend.Instance);
        Assert.That(Logits(loaded, ids, 1, ids.Length), Is.EqualTo(Logits(stored, ids, 1, ids.Length)));
    }

    [Test]
    public void AnNf4Checkpoint_LoadedAsF32_GivesTheNf4Logits()
    {
        // The same dequantised values, multiplied as float32 or widened inside the product.
        var ids = QuantizeCommandTests.LossText();
        using var nf4 = LlamaModel.Load(Nf4Folder, CpuBackend.Instance);
        using var f32 = LlamaModel.Load(Nf4Folder, CpuBackend.Instance, BaseDType.Parse("f32"));
        Assert.That(f32.Weights().All(w => w.Value.DType == TensorDType.Float32), Is.True);
        FloatAssert.Close(Logits(f32, ids, 1, ids.Length), Logits(nf4, ids, 1, ids.Length), "logits", 1e-5f);
    }

    [TestCase(false, true)]
    [TestCase(true, false)]
    public void Load_Nf4_RepacksTheAbsmaxValuesAsAsked(bool storedDoubleQuant, bool askDoubleQuant)
    {
        using var model = LlamaModel.Load(storedDoubleQuant ? Nf4DoubleQuantFolder : Nf4Folder, CpuBackend.Instance, BaseDType.Parse("nf4", askDoubleQuant));
        var w = model.Weights().Single(w => w.Name == "model.layers.0.self_attn.q_proj.weight");
        var nf4 = CpuBackend.Quantized(w.Value).Nf4!;
        Assert.That(nf4.QuantizedAbsmax is not null, Is.EqualTo(askDoubleQuant));
        using var source = LlamaModel.Load(Shipped, CpuBackend.Instance);
        var values = source.Weights().Single(v => v.Name == w.Name).Value.ToArray();
        // The codes are the stored ones; the absmax values are the stored ones, or their 8-bit quantisation.
        Assert.That(nf4.Packed, Is.EqualTo(Nf4.Quantize(values).Packed));
        var expected = Nf4.Quantize(values, doubleQuantize: storedDoubleQuant).BlockAbsmax();
        Assert.That(nf4.BlockAbsmax(), askDoubleQuant ? Is.EqualTo(Nf4DoubleQuant.Compress(expected).Decompress()) : Is.EqualTo(expected));
    }

    [Test]
    public void Nf4Base_KeepsTheLossNearTheF32Base()
    {
        using var f32 = LlamaModel.Load(Shipped, CpuBackend.Instance);
        using var nf4 = LlamaModel.Load(Shipped, CpuBackend.Instance, BaseDType.Parse("nf4"));
        double reference = QuantizeCommandTests.MeanLoss(f32), loss = QuantizeCommandTests.MeanLoss(nf4);
        TestContext.Out.WriteLine($"mean NLL: f32 {reference:F5}, nf4 {loss:F5}");
        Assert.That(loss, Is.EqualTo(reference).Within(QuantizeCommandTests.Nf4LossTolerance));
        Assert.That(loss, Is.Not.EqualTo(reference), "the base was quantised");
    }

    [Test]
    public void Bf16Base_OfABf16Checkpoint_GivesExactlyTheF32Logits()
    {
        // The shipped checkpoint is stored in bfloat16: keeping its linears so loses nothing.
        var ids = QuantizeCommandTests.LossText();
        using var f32 = LlamaModel.Load(Shipped, CpuBackend.Instance);
        using var bf16 = LlamaModel.Load(Shipped, CpuBackend.Instance, BaseDType.Parse("bf16"));
        Assert.That(Logits(bf16, ids, 1, ids.Length), Is.EqualTo(Logits(f32, ids, 1, ids.Length)));
    }

    [TestCase("int8", false, "base dtype 'int8' is not one of f32, bf16, nf4")]
    [TestCase("bf16", true, "double quantisation applies only to an NF4 base, not bf16")]
    [TestCase(null, true, "double quantisation applies only to an NF4 base, not the stored dtype")]
    public void Parse_BadInput_SaysWhy(string? name, bool doubleQuant, string message) =>
        Assert.That(() => BaseDType.Parse(name, doubleQuant), Throws.ArgumentException.With.Message.Contains(message));
}
