using System.Text.Json;
using System.Text.Json.Nodes;
using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.IO;

/// <summary>
/// The compact PRoLoRA adapter folder: adapter_model.safetensors holds, per module, the four
/// trainable tensors as float32 under the official code's names (lora_A.weight = chunk_a,
/// lora_A_vec = vec_a, lora_B.weight = chunk_b, lora_B_vec = vec_b, each behind
/// "base_model.model.&lt;module&gt;."), and adapter_config.json holds peft_type "PROLORA", the official
/// config fields, target_modules and a "modules" map of module → {in_features, out_features}.
/// Modules may differ in config: the top-level fields are those of the first module (ordinal order)
/// and a module's entry repeats any field whose value differs (like PEFT's rank_pattern).
/// </summary>
public static class ProLoraAdapterFolder
{
    /// <summary>The config file's peft_type.</summary>
    public const string PeftType = "PROLORA";

    /// <summary>
    /// Saves <paramref name="adapters"/> (module name → adapter) into <paramref name="folder"/>
    /// (created if needed). Each file is written to a temporary file first and both are moved into
    /// place only once both are complete.
    /// </summary>
    public static void Save(string folder, IReadOnlyDictionary<string, ProLoraAdapter> adapters, string? baseModelNameOrPath = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var ordered = Ordered(adapters);
        var writer = new SafetensorsWriter();
        writer.Metadata["format"] = "pt";
        foreach (var (module, a) in ordered)
        {
            writer.Add(AdapterKeys.LoraA(module), a.ChunkA.Value);
            writer.Add(AdapterKeys.LoraAVec(module), a.VecA.Value);
            writer.Add(AdapterKeys.LoraB(module), a.ChunkB.Value);
            writer.Add(AdapterKeys.LoraBVec(module), a.VecB.Value);
        }
        var config = ConfigJson(ordered, baseModelNameOrPath);
        Directory.CreateDirectory(folder);
        using var weightsFile = AtomicFile.Prepare(Path.Combine(folder, AdapterKeys.WeightsFile), writer.WriteTo);
        using var configFile = AtomicFile.Prepare(Path.Combine(folder, AdapterKeys.ConfigFile), s => s.Write(config));
        weightsFile.Commit();
        configFile.Commit();
    }

    /// <summary>
    /// The per-module configs of the folder's adapter_config.json, in the file's order. A bad file
    /// throws an <see cref="InvalidDataException"/> naming it and the problem.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, ProLoraConfig>> LoadConfigs(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var path = Path.Combine(folder, AdapterKeys.ConfigFile);
        Exception Bad(string problem) => new InvalidDataException($"{path}: {problem}");
        var root = ReadJsonObject(path);
        var peftType = ProLoraConfigJson.OptionalString(root, "peft_type", Bad);
        if (peftType != PeftType)
        {
            throw Bad($"peft_type is {(peftType is null ? "missing" : $"\"{peftType}\"")}, expected \"{PeftType}\" (a PRoLoRA adapter folder)");
        }
        if (ProLoraConfigJson.OptionalBool(root, "enable_lora_vec", Bad) == false || ProLoraConfigJson.OptionalBool(root, "init2zero_via_vec", Bad) == true)
        {
            throw Bad("enable_lora_vec = false and init2zero_via_vec = true are not supported (the official code rejects them too)");
        }
        if (root["modules"] is not JsonObject modules || modules.Count == 0)
        {
            throw Bad("\"modules\" must be a non-empty object of module name → {in_features, out_features}");
        }
        var configs = new List<KeyValuePair<string, ProLoraConfig>>();
        foreach (var (module, node) in modules)
        {
            Exception BadModule(string problem) => Bad($"module '{module}': {problem}");
            if (node is not JsonObject entry)
            {
                throw BadModule("entry must be an object with in_features and out_features");
            }
            var fields = new JsonObject();
            foreach (var name in ProLoraConfigJson.Names)
            {
                if ((entry[name] ?? root[name]) is { } value)
                {
                    fields[name] = value.DeepClone();
                }
            }
            int inFeatures = ProLoraConfigJson.Int(entry, "in_features", BadModule);
            int outFeatures = ProLoraConfigJson.Int(entry, "out_features", BadModule);
            configs.Add(new(module, ProLoraConfigJson.Parse(fields, inFeatures, outFeatures, BadModule)));
        }
        return configs;
    }

    /// <summary>
    /// Loads the folder's adapters onto <paramref name="backend"/>, module name → adapter. Every
    /// tensor must be present with its config's shape and the file may hold no others; a bad folder
    /// throws an <see cref="InvalidDataException"/> naming the file and the problem.
    /// </summary>
    public static IReadOnlyDictionary<string, ProLoraAdapter> Load(string folder, IBackend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var configs = LoadConfigs(folder);
        using var file = SafetensorsFile.Open(Path.Combine(folder, AdapterKeys.WeightsFile));
        var used = new HashSet<string>(StringComparer.Ordinal);
        var adapters = new Dictionary<string, ProLoraAdapter>(StringComparer.Ordinal);
        try
        {
            foreach (var (module, c) in configs)
            {
                Tensor Read(string key, Shape shape)
                {
                    var info = file.Info(key);
                    if (info.Shape != shape)
                    {
                        throw new InvalidDataException($"{file.Path}: tensor '{key}' has shape {info.Shape}, but adapter_config.json makes it {shape}");
                    }
                    used.Add(key);
                    return file.ReadTensor(key, backend);
                }
                var chunkA = Read(AdapterKeys.LoraA(module), new Shape(c.SharedRank, c.ChunkSizeA));
                var vecA = Read(AdapterKeys.LoraAVec(module), new Shape(c.UnsharedRank, c.InFeatures));
                var chunkB = Read(AdapterKeys.LoraB(module), new Shape(c.ChunkSizeB, c.SharedRank));
                var vecB = Read(AdapterKeys.LoraBVec(module), new Shape(c.UnsharedRank, c.OutFeatures));
                adapters.Add(module, new ProLoraAdapter(c, chunkA, vecA, chunkB, vecB));
            }
            var extra = file.Tensors.Select(t => t.Name).FirstOrDefault(n => !used.Contains(n));
            if (extra is not null)
            {
                throw new InvalidDataException($"{file.Path}: tensor '{extra}' belongs to no module of adapter_config.json");
            }
            return adapters;
        }
        catch
        {
            foreach (var a in adapters.Values)
            {
                a.Dispose();
            }
            throw;
        }
    }

    /// <summary>The adapters by module name in ordinal order; throws on an empty set or a bad name.</summary>
    internal static List<KeyValuePair<string, ProLoraAdapter>> Ordered(IReadOnlyDictionary<string, ProLoraAdapter> adapters)
    {
        ArgumentNullException.ThrowIfNull(adapters);
        if (adapters.Count == 0)
        {
            throw new ArgumentException("no adapters to save", nameof(adapters));
        }
        foreach (var module in adapters.Keys)
        {
            AdapterKeys.CheckModuleName(module);
        }
        return [.. adapters.OrderBy(kv => kv.Key, StringComparer.Ordinal)];
    }

    /// <summary>Reads <paramref name="path"/> as a JSON object without duplicate keys, or throws an <see cref="InvalidDataException"/> naming it.</summary>
    internal static JsonObject ReadJsonObject(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such file (an adapter folder holds {AdapterKeys.ConfigFile} and {AdapterKeys.WeightsFile})", path);
        }
        try
        {
            var options = new JsonDocumentOptions { AllowDuplicateProperties = false };
            return JsonNode.Parse(File.ReadAllBytes(path), documentOptions: options) as JsonObject ?? throw new InvalidDataException($"{path}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON: {e.Message}", e);
        }
    }

    private static byte[] ConfigJson(List<KeyValuePair<string, ProLoraAdapter>> ordered, string? baseModel)
    {
        var top = ProLoraConfigJson.Fields(ordered[0].Value.Config);
        var root = new JsonObject { ["peft_type"] = PeftType };
        foreach (var (name, value) in top)
        {
            root[name] = value?.DeepClone();
        }
        root["target_modules"] = new JsonArray([.. ordered.Select(kv => AdapterKeys.Leaf(kv.Key)).Distinct().Order(StringComparer.Ordinal).Select(n => (JsonNode?)n)]);
        root["enable_lora_vec"] = true;
        root["init2zero_via_vec"] = false;
        root["bias"] = "none";
        root["fan_in_fan_out"] = false;
        root["inference_mode"] = true;
        root["task_type"] = null;
        root["base_model_name_or_path"] = baseModel;
        var modules = new JsonObject();
        foreach (var (module, adapter) in ordered)
        {
            var c = adapter.Config;
            var entry = new JsonObject { ["in_features"] = c.InFeatures, ["out_features"] = c.OutFeatures };
            foreach (var (name, value) in ProLoraConfigJson.Fields(c))
            {
                if (!JsonNode.DeepEquals(value, top[name]))
                {
                    entry[name] = value?.DeepClone();
                }
            }
            modules[module] = entry;
        }
        root["modules"] = modules;
        return JsonSerializer.SerializeToUtf8Bytes(root, JsonOptions.Indented);
    }
}
