using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.IO;
using PRoLoRA.Native.Tensors;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.IO;

public class MergeTests
{
    private static float[] Values(int count, int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() - 0.5))];
    }

    /// <summary>The layer's own Merge as the reference: W + s·B·A.</summary>
    private static float[] MergedByTheLayer(float[] weight, ProLoraAdapter adapter)
    {
        var c = adapter.Config;
        var be = CpuBackend.Instance;
        using var copy = new ProLoraAdapter(c, be.FromArray(adapter.ChunkA.Value.ToArray(), adapter.ChunkA.Shape), be.FromArray(adapter.VecA.Value.ToArray(), adapter.VecA.Shape),
            be.FromArray(adapter.ChunkB.Value.ToArray(), adapter.ChunkB.Shape), be.FromArray(adapter.VecB.Value.ToArray(), adapter.VecB.Shape));
        using var layer = new ProLoraLinear(Variable.Constant(be.FromArray(weight, new Shape(c.OutFeatures, c.InFeatures))), null, copy, ownsBase: true);
        layer.Merge();
        return layer.Weight.Value.ToArray();
    }

    [Test]
    public void Merge_AddsTheScaledDelta_KeepsDtypes_AndCopiesEverythingElse()
    {
        using var dir = new TempFolder();
        var q = Values(16 * 16, 1);
        var k = Values(8 * 16, 2);
        var norm = Values(16, 3);
        var basePath = dir.File("model.safetensors");
        var writer = new SafetensorsWriter();
        writer.Metadata["format"] = "pt";
        writer.Add("model.layers.0.self_attn.q_proj.weight", q, new Shape(16, 16));
        writer.Add("model.layers.0.self_attn.k_proj.weight", k, new Shape(8, 16), SafetensorsDType.BF16);
        writer.Add("model.norm.weight", norm, new Shape(16), SafetensorsDType.F16);
        writer.AddRaw("model.position_ids", new Shape(2), SafetensorsDType.I64, () => [.. BitConverter.GetBytes(0L), .. BitConverter.GetBytes(1L)]);
        writer.Save(basePath);
        var adapters = TestAdapters.Mixed();
        adapters.Remove("model.layers.1.mlp.down_proj", out var unused);
        unused!.Dispose();

        var outPath = dir.File("merged.safetensors");
        AdapterMerge.Merge(basePath, adapters, outPath);

        using var before = SafetensorsFile.Open(basePath);
        using var merged = SafetensorsFile.Open(outPath);
        Assert.That(merged.Metadata, Is.EqualTo(before.Metadata));
        Assert.That(merged.Tensors.Select(t => (t.Name, t.DType, t.Shape)), Is.EquivalentTo(before.Tensors.Select(t => (t.Name, t.DType, t.Shape))));
        Assert.That(merged.ReadBytes("model.norm.weight"), Is.EqualTo(before.ReadBytes("model.norm.weight")));
        Assert.That(merged.ReadBytes("model.position_ids"), Is.EqualTo(before.ReadBytes("model.position_ids")));

        var qExpected = MergedByTheLayer(q, adapters["model.layers.0.self_attn.q_proj"]);
        Assert.That(merged.ReadFloat32("model.layers.0.self_attn.q_proj.weight"), Is.EqualTo(qExpected).Within(1e-6f));
        Assert.That(qExpected, Is.Not.EqualTo(q).Within(1e-3f), "the adapter must change the weight");

        var kExpected = MergedByTheLayer(before.ReadFloat32("model.layers.0.self_attn.k_proj.weight"), adapters["model.layers.0.self_attn.k_proj"]);
        var kMerged = merged.ReadFloat32("model.layers.0.self_attn.k_proj.weight");
        for (int i = 0; i < kExpected.Length; i++)
        {
            Assert.That(kMerged[i], Is.EqualTo(kExpected[i]).Within(Math.Abs(kExpected[i]) / 256), $"k_proj element {i} (bf16)");
        }
        TestAdapters.DisposeAll(adapters);
    }

    [Test]
    public void AModuleMissingFromTheBase_OrOfTheWrongShape_IsRejectedNamingIt()
    {
        using var dir = new TempFolder();
        var basePath = dir.File("model.safetensors");
        var writer = new SafetensorsWriter();
        writer.Add("m.q.weight", new float[16 * 15], new Shape(15, 16));
        writer.Save(basePath);
        using var q = TestAdapters.Random(ProLoraConfig.ProLora(16, 16, 4, 1, 2, 2), 1);
        var e = Assert.Throws<InvalidDataException>(() => AdapterMerge.Merge(basePath, new Dictionary<string, ProLoraAdapter> { ["m.q"] = q }, dir.File("out.safetensors")));
        Assert.That(e!.Message, Does.Contain("'m.q.weight' has shape (15, 16)").And.Contain("(16, 16)"));
        e = Assert.Throws<InvalidDataException>(() => AdapterMerge.Merge(basePath, new Dictionary<string, ProLoraAdapter> { ["m.k"] = q }, dir.File("out.safetensors")));
        Assert.That(e!.Message, Does.Contain("no tensor 'm.k.weight'"));
        Assert.That(File.Exists(dir.File("out.safetensors")), Is.False);
    }
}
