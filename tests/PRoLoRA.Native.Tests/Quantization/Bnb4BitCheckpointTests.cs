using System.Text;
using System.Text.Json;
using PRoLoRA.Cli.Pretraining;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.IO;
using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Quantization;
using PRoLoRA.Native.Tensors;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Quantization;

/// <summary>
/// The NF4 checkpoint against the layout transformers saves for a bitsandbytes 4-bit model, written
/// here from its definition, and corrupt quantised entries refused with the file and tensor named.
/// </summary>
public class Bnb4BitCheckpointTests
{
    private const string Q = "model.layers.0.self_attn.q_proj.weight";

    private static readonly float[] Nf4Codes =
    [
        -1f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
        -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0f,
        0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
        0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1f,
    ];

    private TempFolder? _dir;

    private string Plain => Path.Combine(_dir!.Path, "plain");

    private string Nested => Path.Combine(_dir!.Path, "nested");

    [OneTimeSetUp]
    public void Quantize()
    {
        _dir = new TempFolder();
        LlamaCheckpointQuantizer.Quantize(BaseModelShape.ShippedFolder, Plain, CheckpointStorage.Nf4);
        LlamaCheckpointQuantizer.Quantize(BaseModelShape.ShippedFolder, Nested, CheckpointStorage.Nf4, doubleQuantize: true);
    }

    [OneTimeTearDown]
    public void Remove() => _dir?.Dispose();

    [TestCase(false)]
    [TestCase(true)]
    public void Layout_NamesDTypesShapesAndState_FollowTheFormat(bool nested)
    {
        using var file = SafetensorsFile.Open(Path.Combine(nested ? Nested : Plain, "model.safetensors"));
        using var source = SafetensorsFile.Open(Path.Combine(BaseModelShape.ShippedFolder, "model.safetensors"));
        var entries = file.Tensors.ToDictionary(t => t.Name, t => (t.DType, Shape: t.Shape.ToArray()));
        int n = 112 * 112, blocks = n / 64;
        var expected = new Dictionary<string, (SafetensorsDType, int[])>
        {
            [Q] = (SafetensorsDType.U8, [n / 2, 1]),
            [Q + ".absmax"] = (nested ? SafetensorsDType.U8 : SafetensorsDType.F32, [blocks]),
            [Q + ".quant_map"] = (SafetensorsDType.F32, [16]),
        };
        if (nested)
        {
            expected[Q + ".nested_absmax"] = (SafetensorsDType.F32, [1]);
            expected[Q + ".nested_quant_map"] = (SafetensorsDType.F32, [256]);
        }
        foreach (var (name, (dtype, shape)) in expected)
        {
            Assert.That(entries[name], Is.EqualTo((dtype, shape)).Using<(SafetensorsDType, int[])>((a, b) => a.Item1 == b.Item1 && a.Item2.SequenceEqual(b.Item2)), name);
        }
        Assert.That(entries.Keys.Where(k => k.StartsWith(Q, StringComparison.Ordinal)), Is.EquivalentTo(expected.Keys.Append(Q + ".quant_state.bitsandbytes__nf4")));
        Assert.That(entries[Q + ".quant_state.bitsandbytes__nf4"].DType, Is.EqualTo(SafetensorsDType.U8));
        // Norms, embeddings (and the tied head) stay as stored: BF16, same shapes, not quantised.
        foreach (var name in new[] { "model.embed_tokens.weight", "model.norm.weight", "model.layers.0.input_layernorm.weight" })
        {
            Assert.That(entries[name].DType, Is.EqualTo(SafetensorsDType.BF16), name);
            Assert.That(file.ReadBytes(name), Is.EqualTo(source.ReadBytes(name)), name);
        }
        Assert.That(entries.Keys.Count(k => k.EndsWith(".quant_state.bitsandbytes__nf4", StringComparison.Ordinal)), Is.EqualTo(28));

        using var state = JsonDocument.Parse(file.ReadBytes(Q + ".quant_state.bitsandbytes__nf4"));
        var root = state.RootElement;
        var keys = root.EnumerateObject().Select(p => p.Name).ToArray();
        string[] stateKeys = nested
            ? ["quant_type", "blocksize", "dtype", "shape", "nested_blocksize", "nested_dtype", "nested_offset"]
            : ["quant_type", "blocksize", "dtype", "shape"];
        Assert.Multiple(() =>
        {
            Assert.That(keys, Is.EqualTo(stateKeys));
            Assert.That(root.GetProperty("quant_type").GetString(), Is.EqualTo("nf4"));
            Assert.That(root.GetProperty("blocksize").GetInt32(), Is.EqualTo(64));
            Assert.That(root.GetProperty("dtype").GetString(), Is.EqualTo("bfloat16"));
            Assert.That(root.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()), Is.EqualTo(new[] { 112, 112 }));
            if (nested)
            {
                Assert.That(root.GetProperty("nested_blocksize").GetInt32(), Is.EqualTo(256));
                Assert.That(root.GetProperty("nested_dtype").GetString(), Is.EqualTo("float32"));
            }
            Assert.That(Floats(file.ReadBytes(Q + ".quant_map")), Is.EqualTo(Nf4Codes));
        });

        // The packed bytes and absmax from the definition: per block of 64 the absmax, each value
        // scaled by 1/absmax and given the index of the nearest code, two a byte, high nibble first.
        var values = source.ReadFloat32(Q);
        var packed = new byte[n / 2];
        var absmax = new float[blocks];
        for (int b = 0; b < blocks; b++)
        {
            absmax[b] = values.Skip(b * 64).Take(64).Max(MathF.Abs);
            for (int j = 0; j < 64; j++)
            {
                int i = (b * 64) + j;
                float scaled = values[i] * (1f / absmax[b]);
                int code = Enumerable.Range(0, 16).MinBy(c => MathF.Abs(scaled - Nf4Codes[c]));
                packed[i / 2] |= (byte)(i % 2 == 0 ? code << 4 : code);
            }
        }
        Assert.That(file.ReadBytes(Q), Is.EqualTo(packed));
        if (nested)
        {
            float offset = root.GetProperty("nested_offset").GetSingle();
            Assert.That(offset, Is.EqualTo(absmax.Average()).Within(1e-6));
            var codes = file.ReadBytes(Q + ".absmax");
            var nestedAbsmax = Floats(file.ReadBytes(Q + ".nested_absmax"));
            var map = Floats(file.ReadBytes(Q + ".nested_quant_map"));
            Assert.That(nestedAbsmax[0], Is.EqualTo(absmax.Max(a => MathF.Abs(a - offset))));
            for (int b = 0; b < blocks; b++)
            {
                // 8-bit codes of the centred absmax: within half a step of the dynamic map.
                Assert.That((map[codes[b]] * nestedAbsmax[0]) + offset, Is.EqualTo(absmax[b]).Within(0.02 * nestedAbsmax[0]), $"block {b}");
            }
        }
        else
        {
            Assert.That(Floats(file.ReadBytes(Q + ".absmax")), Is.EqualTo(absmax));
        }
    }

    public static IEnumerable<TestCaseData> Corruptions()
    {
        TestCaseData Case(bool nested, string entry, Func<byte[], (Shape, SafetensorsDType, byte[])?> edit, string message, string name)
            => new TestCaseData(nested, entry, edit, message).SetName($"Load_Corrupt_{name}_IsRefusedNamingTheFileAndTensor");
        (Shape, SafetensorsDType, byte[])? State(string json) => (new Shape(Encoding.UTF8.GetByteCount(json)), SafetensorsDType.U8, Encoding.UTF8.GetBytes(json));
        yield return Case(false, ".quant_state.bitsandbytes__nf4", _ => State("{\"quant_type\": \"nf4\","), "quant state: not valid JSON", "StateNotJson");
        yield return Case(false, ".quant_state.bitsandbytes__nf4", _ => State("{\"quant_type\": \"nf4\", \"quant_type\": \"fp4\", \"blocksize\": 64, \"dtype\": \"bfloat16\", \"shape\": [112, 112]}"), "quant state: duplicate key 'quant_type'", "StateDuplicateKey");
        yield return Case(false, ".quant_state.bitsandbytes__nf4", _ => State("[1]"), "quant state: must be a JSON object, got an array", "StateNotAnObject");
        yield return Case(false, ".quant_state.bitsandbytes__nf4", _ => State("{\"quant_type\": \"fp4\", \"blocksize\": 64, \"dtype\": \"bfloat16\", \"shape\": [112, 112]}"), "fp4 is not supported", "Fp4");
        yield return Case(false, ".quant_state.bitsandbytes__nf4", _ => State("{\"quant_type\": \"int4\", \"blocksize\": 64, \"dtype\": \"bfloat16\", \"shape\": [112, 112]}"), "unknown quant_type \"int4\"", "UnknownQuantType");
        yield return Case(false, ".quant_state.bitsandbytes__nf4", _ => State("{\"quant_type\": \"nf4\", \"blocksize\": 128, \"dtype\": \"bfloat16\", \"shape\": [112, 112]}"), "has 196 elements (shape (196)), not the 98", "BlockSizeNotMatchingAbsmax");
        yield return Case(false, ".quant_state.bitsandbytes__nf4", _ => State("{\"quant_type\": \"nf4\", \"blocksize\": 0, \"dtype\": \"bfloat16\", \"shape\": [112, 112]}"), "quant state: blocksize: must be a whole number >= 1, got 0", "BlockSizeZero");
        yield return Case(false, ".quant_state.bitsandbytes__nf4", _ => State("{\"quant_type\": \"nf4\", \"blocksize\": 64, \"dtype\": \"bfloat16\", \"shape\": [56, 224]}"), "shape [56, 224] is not [112, 112]", "StateShape");
        yield return Case(false, ".quant_state.bitsandbytes__nf4", _ => State("{\"quant_type\": \"nf4\", \"blocksize\": 64, \"dtype\": \"bfloat16\"}"), "quant state: field 'shape' is missing", "StateWithoutShape");
        yield return Case(false, ".absmax", _ => null, "no model.layers.0.self_attn.q_proj.weight.absmax", "MissingAbsmax");
        yield return Case(false, ".absmax", b => (new Shape(b.Length / 4 - 1), SafetensorsDType.F32, b[..^4]), "has 195 elements", "ShortAbsmax");
        yield return Case(false, ".absmax", b => (new Shape(b.Length / 2), SafetensorsDType.F16, b), "is F16, not F32", "AbsmaxDType");
        yield return Case(false, "", b => (new Shape(b.Length - 1, 1), SafetensorsDType.U8, b[..^1]), "has 6271 elements", "ShortPackedWeight");
        yield return Case(false, ".quant_map", b => (new Shape(16), SafetensorsDType.F32, new byte[64]), "quant_map is not the 16 NF4 code values", "WrongQuantMap");
        yield return Case(false, ".quant_map", _ => null, "no model.layers.0.self_attn.q_proj.weight.quant_map", "MissingQuantMap");
        yield return Case(true, ".nested_absmax", _ => null, "no model.layers.0.self_attn.q_proj.weight.nested_absmax", "MissingNestedAbsmax");
        yield return Case(true, ".nested_quant_map", b => (new Shape(255), SafetensorsDType.F32, b[..^4]), "has 255 elements", "ShortNestedQuantMap");
        yield return Case(true, ".absmax", b => (new Shape(b.Length / 4), SafetensorsDType.F32, b), "is F32, not U8", "NestedAbsmaxNotCodes");
        yield return Case(true, ".quant_state.bitsandbytes__nf4", _ => State("{\"quant_type\": \"nf4\", \"blocksize\": 64, \"dtype\": \"bfloat16\", \"shape\": [112, 112], \"nested_offset\": 0.1}"), "quant state: field 'nested_blocksize' is missing", "NestedStateIncomplete");
    }

    [TestCaseSource(nameof(Corruptions))]
    public void Load_Corrupt_IsRefusedNamingTheFileAndTensor(bool nested, string entry, Func<byte[], (Shape, SafetensorsDType, byte[])?> edit, string message)
    {
        using var dir = new TempFolder();
        var folder = dir.File("model");
        Directory.CreateDirectory(folder);
        foreach (var f in Directory.EnumerateFiles(nested ? Nested : Plain))
        {
            File.Copy(f, Path.Combine(folder, Path.GetFileName(f)));
        }
        var path = Path.Combine(folder, "model.safetensors");
        Rewrite(path, Q + entry, edit);
        var e = Assert.Throws<InvalidDataException>(() => LlamaModel.Load(folder, CpuBackend.Instance).Dispose());
        Assert.That(e!.Message, Does.StartWith(path).And.Contain($"'{Q}'").And.Contain(message));
    }

    [Test]
    public void Load_AStrayQuantisationEntry_IsAnUnexpectedTensor()
    {
        using var dir = new TempFolder();
        var folder = dir.File("model");
        Directory.CreateDirectory(folder);
        foreach (var f in Directory.EnumerateFiles(Plain))
        {
            File.Copy(f, Path.Combine(folder, Path.GetFileName(f)));
        }
        Rewrite(Path.Combine(folder, "model.safetensors"), "model.norm.weight.absmax", _ => (new Shape(2), SafetensorsDType.F32, new byte[8]));
        var e = Assert.Throws<InvalidDataException>(() => LlamaModel.Load(folder, CpuBackend.Instance).Dispose());
        Assert.That(e!.Message, Does.Contain("'model.norm.weight.absmax'"));
    }

    // Replaces (or removes, when edit gives null; or adds, when the file lacks it) one entry of the file.
    private static void Rewrite(string path, string entry, Func<byte[], (Shape, SafetensorsDType, byte[])?> edit)
    {
        var writer = new SafetensorsWriter();
        using (var file = SafetensorsFile.Open(path))
        {
            foreach (var (key, value) in file.Metadata)
            {
                writer.Metadata[key] = value;
            }
            foreach (var t in file.Tensors.Where(t => t.Name != entry))
            {
                var bytes = file.ReadBytes(t.Name);
                writer.AddRaw(t.Name, t.Shape, t.DType, () => bytes);
            }
            if (edit(file.Contains(entry) ? file.ReadBytes(entry) : []) is var (shape, dtype, content))
            {
                writer.AddRaw(entry, shape, dtype, () => content);
            }
        }
        writer.Save(path);
    }

    private static float[] Floats(byte[] bytes)
    {
        var values = new float[bytes.Length / 4];
        FloatFormats.Decode(bytes, SafetensorsDType.F32, values);
        return values;
    }
}
