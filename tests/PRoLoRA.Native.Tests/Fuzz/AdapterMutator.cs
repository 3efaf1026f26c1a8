using System.Text;
using System.Text.Json.Nodes;
using PRoLoRA.Native.IO;

namespace PRoLoRA.Native.Tests.Fuzz;

/// <summary>
/// Coherent mutations of an adapter folder: a module's config fields (rank, unshared rank, sharing
/// rates, features, rotation, shifts, alpha, rsLoRA, dropout, init) are set to edge values, and the
/// weights are rebuilt with every module's tensors in the shapes the new config gives (old values
/// kept where they fit, finite random ones elsewhere), so the folder often still loads and the odd
/// config reaches materialisation, export and merge. Random mutations of either file alone are
/// almost always rejected at load.
/// </summary>
internal sealed class AdapterMutator(Mutator m)
{
    private static readonly string[] Fields =
        ["r", "unshared_r", "reduce_lora_A_x", "reduce_lora_B_x", "in_features", "out_features", "enable_lora_rotation", "lora_A_shift_size", "lora_B_shift_size", "lora_alpha", "use_rslora", "lora_dropout", "prolora_init"];

    /// <summary>The mutated (config, weights), or null when the config is not one this can follow.</summary>
    public (byte[] Config, byte[] Weights)? Mutate(byte[] config, byte[] weights)
    {
        try
        {
            if (JsonNode.Parse(config) is not JsonObject root || root["modules"] is not JsonObject modules || modules.Count == 0
                || !SafetensorsMutator.Split(weights, out var header, out var data) || JsonNode.Parse(header) is not JsonObject tensors)
            {
                return null;
            }
            int edits = 1 + m.Rng.Next(3);
            for (int i = 0; i < edits; i++)
            {
                var (_, entry) = modules.GetAt(m.Rng.Next(modules.Count));
                if (entry is JsonObject module)
                {
                    Edit(m.Chance(0.8) ? module : root, m.Pick(Fields));
                }
            }
            var rebuilt = Rebuild(root, modules, tensors, data);
            return rebuilt is null ? null : (Encoding.UTF8.GetBytes(root.ToJsonString()), rebuilt);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or ArgumentException or FormatException)
        {
            return null;
        }
    }

    private void Edit(JsonObject node, string field)
    {
        int r = Int(node["r"]) ?? 4;
        node[field] = field switch
        {
            "r" => m.Pick([1, 2, 3, 5, 8, 9]),
            "unshared_r" => m.Pick([0, 1, r - 1, r, r + 1]),
            "reduce_lora_A_x" or "reduce_lora_B_x" => m.Pick([1, 2, 3, 4, 7, 16, 24, 25, 0]),
            "in_features" or "out_features" => m.Pick([1, 2, 3, 7, 8, 16, 17, 40]),
            "enable_lora_rotation" or "use_rslora" => m.Chance(0.5),
            "lora_A_shift_size" or "lora_B_shift_size" => m.Pick([0, 1, 2, r - 1, r, r + 1, 2 * r + 3, 1000, int.MaxValue, -1]),
            "lora_alpha" => m.Pick<JsonNode>([0, -1, 1e-30, 1e30, 3e38, 0.5]),
            "lora_dropout" => m.Pick<JsonNode>([0, 0.5, 0.999, 1, -0.1]),
            _ => m.Pick(["rectified", "vanilla", "kaiming"]),
        };
    }

    /// <summary>The weights file with every module's four tensors in the shapes of its config; null when a shape is not computable.</summary>
    private byte[]? Rebuild(JsonObject root, JsonObject modules, JsonObject oldHeader, byte[] oldData)
    {
        var header = new JsonObject();
        if (oldHeader["__metadata__"] is JsonObject meta)
        {
            header["__metadata__"] = meta.DeepClone();
        }
        using var data = new MemoryStream();
        foreach (var (module, node) in modules)
        {
            if (node is not JsonObject entry)
            {
                return null;
            }
            int? Field(string name) => entry.ContainsKey(name) ? Int(entry[name]) : Int(root[name]);
            if (Field("r") is not { } r || Field("unshared_r") is not { } u || Field("reduce_lora_A_x") is not { } ra || Field("reduce_lora_B_x") is not { } rb
                || Int(entry["in_features"]) is not { } inF || Int(entry["out_features"]) is not { } outF)
            {
                return null;
            }
            int shared = Math.Max(0, r - u);
            u = Math.Max(0, u);
            int chunkA = ra > 0 ? (inF + ra - 1) / ra : inF;
            int chunkB = rb > 0 ? (outF + rb - 1) / rb : outF;
            (string Key, int Rows, int Cols)[] shapes =
            [
                (AdapterKeys.LoraA(module), shared, chunkA), (AdapterKeys.LoraAVec(module), u, inF),
                (AdapterKeys.LoraB(module), chunkB, shared), (AdapterKeys.LoraBVec(module), u, outF),
            ];
            foreach (var (key, rows, cols) in shapes)
            {
                if (rows < 0 || cols < 0 || (long)rows * cols > 1 << 16)
                {
                    return null;
                }
                long begin = data.Length;
                var old = Old(oldHeader, oldData, key);
                for (int i = 0; i < rows * cols; i++)
                {
                    float value = i < old.Length / 4 ? BitConverter.ToSingle(old, 4 * i) : (float)(m.Rng.NextDouble() - 0.5);
                    data.Write(BitConverter.GetBytes(float.IsFinite(value) ? value : 0f));
                }
                header[key] = new JsonObject { ["dtype"] = "F32", ["shape"] = new JsonArray(rows, cols), ["data_offsets"] = new JsonArray(begin, data.Length) };
            }
        }
        return SafetensorsMutator.Join(Encoding.UTF8.GetBytes(header.ToJsonString()), data.ToArray());
    }

    /// <summary>The old bytes of <paramref name="key"/>, or none.</summary>
    private static byte[] Old(JsonObject header, byte[] data, string key)
        => header[key] is JsonObject o && o["data_offsets"] is JsonArray { Count: 2 } offsets && Int(offsets[0]) is { } begin && Int(offsets[1]) is { } end
            && begin >= 0 && begin <= end && end <= data.Length
            ? data[begin..end]
            : [];

    private static int? Int(JsonNode? node) => node is JsonValue v && v.TryGetValue(out int i) ? i : null;
}
