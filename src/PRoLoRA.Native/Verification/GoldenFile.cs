using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.IO.Input;

namespace PRoLoRA.Native.Verification;

/// <summary>
/// Reads golden files (<c>"format": "prolora-golden/1"</c>): cases computed by the official
/// PRoLoRA implementation. Row-major; lora_a is (r, in), lora_b (out, r); chunk_a (r−u, ceil(in/m));
/// chunk_b (ceil(out/n), r−u); vec_a (u, in); vec_b (u, out); y = x·Aᵀ·Bᵀ·scaling; gradients of sum(y ⊙ dy).
/// Every problem is an <see cref="InvalidDataException"/> that names the file and what is wrong.
/// </summary>
public static class GoldenFile
{
    /// <summary>The format this reader understands.</summary>
    public const string Format = "prolora-golden/1";

    /// <summary>The input arrays every case must have.</summary>
    public static readonly string[] InputNames = ["x", "chunk_a", "vec_a", "chunk_b", "vec_b", "dy"];

    /// <summary>The expected arrays every case must have.</summary>
    public static readonly string[] ExpectedNames = ["y", "lora_a", "lora_b", "grad_x", "grad_chunk_a", "grad_vec_a", "grad_chunk_b", "grad_vec_b"];

    /// <summary>Reads and checks every case of <paramref name="path"/>; a file with no case is an error too.</summary>
    public static IReadOnlyList<GoldenCase> Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var root = JsonInput.Load(path, InputLimits.GoldenBytes).Object();
        var format = root.Optional("format");
        string? text = format?.Kind == System.Text.Json.JsonValueKind.String ? format.Value.String() : null;
        if (text != Format)
        {
            throw root.Error($"format is {(text is null ? format?.Describe() ?? "missing" : $"'{Printable.Text(text)}'")}, expected '{Format}' (a golden file)");
        }
        var cases = root["cases"].Items();
        if (cases.Count == 0)
        {
            throw root["cases"].Error("holds no case: there is nothing to verify");
        }
        return [.. cases.Select((c, i) => ReadCase(c.Object(), i))];
    }

    private static GoldenCase ReadCase(JsonField c, int index)
    {
        string name = c.Optional("name")?.String() ?? $"case {index}";
        var cfg = c["config"];
        ProLoraConfig config;
        try
        {
            config = new ProLoraConfig
            {
                InFeatures = cfg["in_features"].Int32(),
                OutFeatures = cfg["out_features"].Int32(),
                Rank = cfg["r"].Int32(),
                UnsharedRank = cfg["unshared_r"].Int32(),
                ReduceA = cfg["reduce_a"].Int32(),
                ReduceB = cfg["reduce_b"].Int32(),
                Rotation = cfg["rotation"].Bool(),
                ShiftAOverride = cfg["shift_a"].Int32(),
                ShiftBOverride = cfg["shift_b"].Int32(),
                LoraAlpha = cfg["lora_alpha"].Single(),
            }.Validate();
        }
        catch (ArgumentException e)
        {
            throw cfg.Error($"case '{Printable.Text(name)}' has an invalid config: {e.Message}");
        }
        var inputs = Arrays(c["inputs"], InputNames);
        var expected = Arrays(c["expected"], ExpectedNames);
        CheckShapes(c, $"case '{Printable.Text(name)}'", config, inputs, expected);
        return new GoldenCase(name, config, inputs, expected);
    }

    private static void CheckShapes(JsonField field, string where, ProLoraConfig c, Dictionary<string, GoldenArray> inputs, Dictionary<string, GoldenArray> expected)
    {
        int rows = inputs["x"].Shape.Length == 2 ? inputs["x"].Shape[0] : -1;
        var want = new Dictionary<string, int[]>
        {
            ["x"] = [rows, c.InFeatures],
            ["dy"] = [rows, c.OutFeatures],
            ["chunk_a"] = [c.SharedRank, c.ChunkSizeA],
            ["vec_a"] = [c.UnsharedRank, c.InFeatures],
            ["chunk_b"] = [c.ChunkSizeB, c.SharedRank],
            ["vec_b"] = [c.UnsharedRank, c.OutFeatures],
            ["y"] = [rows, c.OutFeatures],
            ["lora_a"] = [c.Rank, c.InFeatures],
            ["lora_b"] = [c.OutFeatures, c.Rank],
            ["grad_x"] = [rows, c.InFeatures],
            ["grad_chunk_a"] = [c.SharedRank, c.ChunkSizeA],
            ["grad_vec_a"] = [c.UnsharedRank, c.InFeatures],
            ["grad_chunk_b"] = [c.ChunkSizeB, c.SharedRank],
            ["grad_vec_b"] = [c.UnsharedRank, c.OutFeatures],
        };
        foreach (var (key, shape) in want)
        {
            var actual = inputs.TryGetValue(key, out var a) ? a : expected[key];
            if (!actual.Shape.AsSpan().SequenceEqual(shape))
            {
                throw field.Error($"{where}: '{key}' has shape ({string.Join(", ", actual.Shape)}) but the config gives ({string.Join(", ", shape)})");
            }
        }
    }

    private static Dictionary<string, GoldenArray> Arrays(JsonField parent, string[] names)
    {
        var result = new Dictionary<string, GoldenArray>();
        foreach (var key in names)
        {
            var array = parent[key];
            var shape = array["shape"].Items().Select(s => s.Int32(0)).ToArray();
            var data = array["data"].Doubles();
            long count = shape.Aggregate(1L, (p, s) => p > long.MaxValue / Math.Max(s, 1) ? long.MaxValue : p * s);
            if (count != data.Length)
            {
                throw array.Error($"'{key}' has shape ({string.Join(", ", shape)}) but {data.Length} values");
            }
            result[key] = new GoldenArray(shape, data);
        }
        return result;
    }
}
