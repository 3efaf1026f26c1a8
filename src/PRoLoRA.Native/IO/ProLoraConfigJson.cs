using System.Text.Json.Nodes;
using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.IO.Input;

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

    /// <summary>
    /// The config of one module from its entry in "modules" (<paramref name="module"/>) and the top
    /// level (<paramref name="top"/>): a field in the entry overrides the top level's. Checked; every
    /// problem is an <see cref="InvalidDataException"/> naming the file and the field.
    /// </summary>
    public static ProLoraConfig Parse(JsonField top, JsonField module)
    {
        JsonField? Optional(string name) => module.Optional(name) ?? top.Optional(name);
        JsonField Required(string name) => Optional(name) ?? throw module.Error($"field '{name}' is missing (neither in this module's entry nor at the top level)");

        int rank = Required("r").Int32();
        int unshared = Required("unshared_r").Int32();
        int reduceA = Required("reduce_lora_A_x").Int32();
        int reduceB = Required("reduce_lora_B_x").Int32();
        int? shiftA = Optional("lora_A_shift_size")?.Int32();
        int? shiftB = Optional("lora_B_shift_size")?.Int32();
        var init = Optional("prolora_init") is { } initField ? initField.String() switch
        {
            "rectified" => InitKind.Rectified,
            "vanilla" => InitKind.Vanilla,
            _ => throw initField.Error($"must be \"rectified\" or \"vanilla\", got {initField.Describe()}"),
        } : InitKind.Rectified;
        var config = new ProLoraConfig
        {
            InFeatures = module["in_features"].Int32(),
            OutFeatures = module["out_features"].Int32(),
            Rank = rank,
            UnsharedRank = unshared,
            ReduceA = reduceA,
            ReduceB = reduceB,
            Rotation = Required("enable_lora_rotation").Bool(),
            ShiftAOverride = shiftA == DefaultShift(rank - unshared, reduceA) ? null : shiftA,
            ShiftBOverride = shiftB == DefaultShift(rank - unshared, reduceB) ? null : shiftB,
            LoraAlpha = Required("lora_alpha").Single(),
            Dropout = Optional("lora_dropout")?.Single() ?? 0f,
            UseRsLora = Optional("use_rslora")?.Bool() ?? false,
            Init = init,
            Seed = Optional("seed")?.Int32() ?? 0,
        };
        try
        {
            return config.Validate();
        }
        catch (ArgumentException e)
        {
            throw module.Error(e.Message);
        }
    }

    private static int DefaultShift(int sharedRank, int reduce) => Math.Max(sharedRank / Math.Max(reduce, 1), 1);
}
