using System.Text.Json;
using PRoLoRA.Native.Adapters;

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

    /// <summary>Reads and checks every case of <paramref name="path"/>.</summary>
    public static IReadOnlyList<GoldenCase> Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"golden file '{path}' does not exist", path);
        }
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"golden file '{path}' is not valid JSON (truncated?): {e.Message}", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Bad(path, "the top level is not a JSON object");
            }
            string? format = root.TryGetProperty("format", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
            if (format != Format)
            {
                throw Bad(path, $"format is '{format ?? "(missing)"}', expected '{Format}'");
            }
            if (!root.TryGetProperty("cases", out var cases) || cases.ValueKind != JsonValueKind.Array)
            {
                throw Bad(path, "it has no 'cases' array");
            }
            var result = new List<GoldenCase>();
            int index = 0;
            foreach (var c in cases.EnumerateArray())
            {
                result.Add(ReadCase(path, index++, c));
            }
            return result;
        }
    }

    private static GoldenCase ReadCase(string path, int index, JsonElement c)
    {
        string name = c.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : $"case {index}";
        string where = $"case '{name}'";
        var cfg = Child(path, where, c, "config");
        ProLoraConfig config;
        try
        {
            config = new ProLoraConfig
            {
                InFeatures = Int(path, where, cfg, "in_features"),
                OutFeatures = Int(path, where, cfg, "out_features"),
                Rank = Int(path, where, cfg, "r"),
                UnsharedRank = Int(path, where, cfg, "unshared_r"),
                ReduceA = Int(path, where, cfg, "reduce_a"),
                ReduceB = Int(path, where, cfg, "reduce_b"),
                Rotation = Child(path, where, cfg, "rotation").ValueKind == JsonValueKind.True,
                ShiftAOverride = Int(path, where, cfg, "shift_a"),
                ShiftBOverride = Int(path, where, cfg, "shift_b"),
                LoraAlpha = (float)Child(path, where, cfg, "lora_alpha").GetDouble(),
            }.Validate();
        }
        catch (ArgumentException e)
        {
            throw Bad(path, $"{where} has an invalid config: {e.Message}");
        }
        var inputs = Arrays(path, where, Child(path, where, c, "inputs"), InputNames);
        var expected = Arrays(path, where, Child(path, where, c, "expected"), ExpectedNames);
        CheckShapes(path, where, config, inputs, expected);
        return new GoldenCase(name, config, inputs, expected);
    }

    private static void CheckShapes(string path, string where, ProLoraConfig c, Dictionary<string, GoldenArray> inputs, Dictionary<string, GoldenArray> expected)
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
                throw Bad(path, $"{where}: '{key}' has shape ({string.Join(", ", actual.Shape)}) but the config gives ({string.Join(", ", shape)})");
            }
        }
    }

    private static Dictionary<string, GoldenArray> Arrays(string path, string where, JsonElement parent, string[] names)
    {
        var result = new Dictionary<string, GoldenArray>();
        foreach (var key in names)
        {
            var e = Child(path, where, parent, key);
            var shapeEl = Child(path, $"{where}, '{key}'", e, "shape");
            var dataEl = Child(path, $"{where}, '{key}'", e, "data");
            if (shapeEl.ValueKind != JsonValueKind.Array || dataEl.ValueKind != JsonValueKind.Array)
            {
                throw Bad(path, $"{where}: '{key}' needs array 'shape' and 'data'");
            }
            var shape = shapeEl.EnumerateArray().Select(s => s.GetInt32()).ToArray();
            var data = dataEl.EnumerateArray().Select(d => d.GetDouble()).ToArray();
            long count = shape.Aggregate(1L, (p, s) => p * s);
            if (shape.Any(s => s < 0) || count != data.Length)
            {
                throw Bad(path, $"{where}: '{key}' has shape ({string.Join(", ", shape)}) but {data.Length} values");
            }
            result[key] = new GoldenArray(shape, data);
        }
        return result;
    }

    private static JsonElement Child(string path, string where, JsonElement parent, string key)
    {
        if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(key, out var child))
        {
            throw Bad(path, $"{where} has no '{key}'");
        }
        return child;
    }

    private static int Int(string path, string where, JsonElement parent, string key)
    {
        var e = Child(path, where, parent, key);
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out int v))
        {
            throw Bad(path, $"{where}: '{key}' is not an integer");
        }
        return v;
    }

    private static InvalidDataException Bad(string path, string problem) => new($"golden file '{path}': {problem}");
}
