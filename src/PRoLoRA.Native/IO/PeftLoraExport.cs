using System.Text.Json;
using System.Text.Json.Nodes;
using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.IO.Input;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.IO;

/// <summary>
/// Exports PRoLoRA adapters as the standard LoRA adapter folder that PEFT and vLLM load unchanged:
/// the materialised A (r×in) and B (out×r) per module as "base_model.model.&lt;module&gt;.lora_A.weight"
/// and ".lora_B.weight", and a PEFT adapter_config.json (peft_type "LORA"). PEFT scales by
/// lora_alpha/r (or /√r with use_rslora) like PRoLoRA, so A and B are written as they are.
/// Modules whose r or lora_alpha differ from the first module's go into rank_pattern and
/// alpha_pattern (keyed by the full module name); use_rslora must be the same for every module,
/// and lora_dropout (irrelevant to the exported weights) is the first module's.
/// </summary>
public static class PeftLoraExport
{
    /// <summary>
    /// Writes the PEFT folder <paramref name="folder"/> with tensors stored as <paramref name="dtype"/>,
    /// atomically as a folder (a kill leaves the old folder or the new one; other files in it are
    /// kept). NaN, ±Inf, and values beyond <paramref name="dtype"/>'s range are refused with the
    /// tensor's name unless <paramref name="allowNonFinite"/>.
    /// </summary>
    public static void Save(
        string folder,
        IReadOnlyDictionary<string, ProLoraAdapter> adapters,
        SafetensorsDType dtype = SafetensorsDType.F32,
        string? baseModelNameOrPath = null,
        string? taskType = "CAUSAL_LM",
        bool allowNonFinite = false)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var ordered = ProLoraAdapterFolder.Ordered(adapters);
        if (ordered.Select(kv => kv.Value.Config.UseRsLora).Distinct().Count() > 1)
        {
            var rs = ordered.First(kv => kv.Value.Config.UseRsLora).Key;
            var plain = ordered.First(kv => !kv.Value.Config.UseRsLora).Key;
            throw new ArgumentException($"PEFT has one use_rslora for all modules, but these adapters mix both ('{Printable.Text(rs)}' uses it, '{Printable.Text(plain)}' does not)", nameof(adapters));
        }
        var writer = new SafetensorsWriter { AllowNonFinite = allowNonFinite };
        writer.Metadata["format"] = "pt";
        foreach (var (module, adapter) in ordered)
        {
            var c = adapter.Config;
            writer.AddLazy(AdapterKeys.LoraA(module), new Shape(c.Rank, c.InFeatures), dtype, () => Materialized(adapter.MaterializeA));
            writer.AddLazy(AdapterKeys.LoraB(module), new Shape(c.OutFeatures, c.Rank), dtype, () => Materialized(adapter.MaterializeB));
        }
        var config = ConfigJson(ordered, baseModelNameOrPath, taskType);
        ProLoraAdapterFolder.WriteFiles(folder, writer, config);
    }

    private static float[] Materialized(Func<Tensor> materialize)
    {
        using var t = materialize();
        return t.ToArray();
    }

    private static byte[] ConfigJson(List<KeyValuePair<string, ProLoraAdapter>> ordered, string? baseModel, string? taskType)
    {
        var first = ordered[0].Value.Config;
        var rankPattern = new JsonObject();
        var alphaPattern = new JsonObject();
        foreach (var (module, adapter) in ordered)
        {
            if (adapter.Config.Rank != first.Rank)
            {
                rankPattern[module] = adapter.Config.Rank;
            }
            if (adapter.Config.LoraAlpha != first.LoraAlpha)
            {
                alphaPattern[module] = adapter.Config.LoraAlpha;
            }
        }
        var root = new JsonObject
        {
            ["peft_type"] = "LORA",
            ["task_type"] = taskType,
            ["base_model_name_or_path"] = baseModel,
            ["r"] = first.Rank,
            ["lora_alpha"] = first.LoraAlpha,
            ["lora_dropout"] = first.Dropout,
            ["use_rslora"] = first.UseRsLora,
            ["target_modules"] = new JsonArray([.. ordered.Select(kv => AdapterKeys.Leaf(kv.Key)).Distinct().Order(StringComparer.Ordinal).Select(n => (JsonNode?)n)]),
            ["rank_pattern"] = rankPattern,
            ["alpha_pattern"] = alphaPattern,
            ["bias"] = "none",
            ["fan_in_fan_out"] = false,
            ["inference_mode"] = true,
            ["init_lora_weights"] = true,
            ["modules_to_save"] = null,
            ["use_dora"] = false,
        };
        return JsonSerializer.SerializeToUtf8Bytes(root, JsonOptions.Indented);
    }
}
