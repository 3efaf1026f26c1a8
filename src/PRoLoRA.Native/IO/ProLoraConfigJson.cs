using System.Text.Json;
using System.Text.Json.Nodes;
using PRoLoRA.Native.Adapters;

namespace PRoLoRA.Native.IO;

/// <summary>
/// A <see cref="ProLoraConfig"/> as the fields of the official code's adapter_config.json:
/// r, lora_alpha, unshared_r, reduce_lora_A_x, reduce_lora_B_x, enable_lora_rotation,
/// lora_A_shift_size, lora_B_shift_size (written resolved, as the official code does; a value equal
/// to the default loads as "no override"), lora_dropout, use_rslora, plus ours: prolora_init, seed.
/// </summary>
internal static class ProLoraConfigJson
{
    public static JsonObject Fields(ProLoraConfig c) => new()
    {
        ["r"] = c.Rank,
        ["lora_alpha"] = c.LoraAlpha,
        ["unshared_r"] = c.UnsharedRank,
        ["reduce_lora_A_x"] = c.ReduceA,
        ["reduce_lora_B_x"] = c.ReduceB,
        ["enable_lora_rotation"] = c.Rotation,
        ["lora_A_shift_size"] = c.ShiftAOverride ?? DefaultShift(c.SharedRank, c.ReduceA),
        ["lora_B_shift_size"] = c.ShiftBOverride ?? DefaultShift(c.SharedRank, c.ReduceB),
        ["lora_dropout"] = c.Dropout,
        ["use_rslora"] = c.UseRsLora,
        ["prolora_init"] = c.Init == InitKind.Rectified ? "rectified" : "vanilla",
        ["seed"] = c.Seed,
    };

    /// <summary>The names of the fields <see cref="Fields"/> writes.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Fields(ProLoraConfig.Lora(1, 1, 1)).Select(kv => kv.Key)];

    /// <summary>A config from <paramref name="fields"/> (all of <see cref="Names"/> except the optional prolora_init and seed), checked.</summary>
    public static ProLoraConfig Parse(JsonObject fields, int inFeatures, int outFeatures, Func<string, Exception> bad)
    {
        int rank = Int(fields, "r", bad);
        int unshared = Int(fields, "unshared_r", bad);
        int reduceA = Int(fields, "reduce_lora_A_x", bad);
        int reduceB = Int(fields, "reduce_lora_B_x", bad);
        int? shiftA = OptionalInt(fields, "lora_A_shift_size", bad);
        int? shiftB = OptionalInt(fields, "lora_B_shift_size", bad);
        string init = OptionalString(fields, "prolora_init", bad) ?? "rectified";
        var config = new ProLoraConfig
        {
            InFeatures = inFeatures,
            OutFeatures = outFeatures,
            Rank = rank,
            UnsharedRank = unshared,
            ReduceA = reduceA,
            ReduceB = reduceB,
            Rotation = Bool(fields, "enable_lora_rotation", bad),
            ShiftAOverride = shiftA == DefaultShift(rank - unshared, reduceA) ? null : shiftA,
            ShiftBOverride = shiftB == DefaultShift(rank - unshared, reduceB) ? null : shiftB,
            LoraAlpha = Float(fields, "lora_alpha", bad),
            Dropout = OptionalFloat(fields, "lora_dropout", bad) ?? 0f,
            UseRsLora = OptionalBool(fields, "use_rslora", bad) ?? false,
            Init = init switch
            {
                "rectified" => InitKind.Rectified,
                "vanilla" => InitKind.Vanilla,
                _ => throw bad($"prolora_init must be \"rectified\" or \"vanilla\", got \"{init}\""),
            },
            Seed = OptionalInt(fields, "seed", bad) ?? 0,
        };
        try
        {
            return config.Validate();
        }
        catch (ArgumentException e)
        {
            throw bad(e.Message);
        }
    }

    private static int DefaultShift(int sharedRank, int reduce) => Math.Max(sharedRank / Math.Max(reduce, 1), 1);

    public static int Int(JsonObject o, string name, Func<string, Exception> bad)
        => OptionalInt(o, name, bad) ?? throw bad($"field '{name}' is missing");

    public static int? OptionalInt(JsonObject o, string name, Func<string, Exception> bad)
    {
        var v = Value(o, name, bad, JsonValueKind.Number);
        return v is null ? null
            : v.TryGetValue(out int i) ? i
            : throw bad($"field '{name}' must be an integer, got {v.ToJsonString()}");
    }

    private static float Float(JsonObject o, string name, Func<string, Exception> bad)
        => OptionalFloat(o, name, bad) ?? throw bad($"field '{name}' is missing");

    private static float? OptionalFloat(JsonObject o, string name, Func<string, Exception> bad)
        => Value(o, name, bad, JsonValueKind.Number)?.GetValue<float>();

    private static bool Bool(JsonObject o, string name, Func<string, Exception> bad)
        => OptionalBool(o, name, bad) ?? throw bad($"field '{name}' is missing");

    public static bool? OptionalBool(JsonObject o, string name, Func<string, Exception> bad)
    {
        var node = o[name];
        return node is null ? null
            : node.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? node.GetValue<bool>()
            : throw bad($"field '{name}' must be true or false, got {node.ToJsonString()}");
    }

    public static string? OptionalString(JsonObject o, string name, Func<string, Exception> bad)
        => Value(o, name, bad, JsonValueKind.String)?.GetValue<string>();

    private static JsonValue? Value(JsonObject o, string name, Func<string, Exception> bad, JsonValueKind kind)
    {
        var node = o[name];
        if (node is null)
        {
            return null;
        }
        if (node.GetValueKind() != kind)
        {
            throw bad($"field '{name}' must be a {kind.ToString().ToLowerInvariant()}, got {node.ToJsonString()}");
        }
        return node.AsValue();
    }
}
