using System.Text.Json;
using System.Text.Json.Nodes;
using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Backends;
using PRoLoRA.Native.IO.FileSystem;
using PRoLoRA.Native.IO.Input;
using PRoLoRA.Native.IO.Output;
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

    /// <summary>The config field and weights metadata key that tie one save's two files together.</summary>
    internal const string SaveIdKey = "prolora_save_id";

    /// <summary>
    /// Saves <paramref name="adapters"/> (module name → adapter) as the folder <paramref name="folder"/>,
    /// atomically as a folder (<see cref="AtomicFolder"/>): a kill leaves the old folder or the new
    /// one, and the folder's other files are kept. Both files carry the same save id, so a reader can
    /// tell weights and a config that come from different saves. Non-finite values are refused.
    /// </summary>
    public static void Save(string folder, IReadOnlyDictionary<string, ProLoraAdapter> adapters, string? baseModelNameOrPath = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        AtomicFolder.Write(folder, Files(folder, adapters, baseModelNameOrPath, Guid.NewGuid().ToString("N")));
    }

    /// <summary>The folder's two files under save id <paramref name="saveId"/>, for a save that writes more files beside them in one atomic folder.</summary>
    internal static List<(string Name, Action<Stream> Write)> Files(string folder, IReadOnlyDictionary<string, ProLoraAdapter> adapters, string? baseModelNameOrPath, string saveId)
    {
        var ordered = Ordered(adapters);
        var writer = new SafetensorsWriter();
        writer.Metadata["format"] = "pt";
        writer.Metadata[SaveIdKey] = saveId;
        foreach (var (module, a) in ordered)
        {
            writer.Add(AdapterKeys.LoraA(module), a.ChunkA.Value);
            writer.Add(AdapterKeys.LoraAVec(module), a.VecA.Value);
            writer.Add(AdapterKeys.LoraB(module), a.ChunkB.Value);
            writer.Add(AdapterKeys.LoraBVec(module), a.VecB.Value);
        }
        return FileList(folder, writer, ConfigJson(ordered, baseModelNameOrPath, saveId));
    }

    /// <summary>Writes an adapter folder's two files (compact or PEFT) as one atomic folder save.</summary>
    internal static void WriteFiles(string folder, SafetensorsWriter weights, byte[] config) => AtomicFolder.Write(folder, FileList(folder, weights, config));

    private static List<(string Name, Action<Stream> Write)> FileList(string folder, SafetensorsWriter weights, byte[] config)
        => [(AdapterKeys.WeightsFile, s => weights.WriteTo(s, Path.Combine(folder, AdapterKeys.WeightsFile))), (AdapterKeys.ConfigFile, s => s.Write(config))];

    /// <summary>The save id a folder's adapter_config.json carries, or null.</summary>
    internal static string? SaveIdOf(string folder) => ReadConfig(folder).SaveId;

    /// <summary>
    /// The per-module configs of the folder's adapter_config.json, in the file's order. A bad file
    /// throws an <see cref="InvalidDataException"/> naming it and the problem.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, ProLoraConfig>> LoadConfigs(string folder) => ReadConfig(folder).Configs;

    /// <summary>
    /// Loads the folder's adapters onto <paramref name="backend"/>, module name → adapter. Every
    /// tensor must be present with its config's shape, the file may hold no others, both files must
    /// come from the same save, the materialised A and B must be of a size plausible for the stored
    /// tensors (<see cref="InputLimits.MaterializedExpansion"/>), and every value must be finite unless
    /// <paramref name="allowNonFinite"/>. A bad folder throws an <see cref="InvalidDataException"/>
    /// naming the file and the problem.
    /// </summary>
    public static IReadOnlyDictionary<string, ProLoraAdapter> Load(string folder, IBackend backend, bool allowNonFinite = false)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var (configs, saveId) = ReadConfig(folder);
        using var file = SafetensorsFile.Open(Path.Combine(folder, AdapterKeys.WeightsFile));
        CheckSameSave(folder, saveId, file);
        CheckPlausibleSize(folder, configs, file);
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
                    var values = file.ReadFloat32(key);
                    if (!allowNonFinite)
                    {
                        FiniteCheck.Require(values, $"{file.Path}: tensor '{key}'");
                    }
                    return backend.FromArray(values, shape);
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
                throw new InvalidDataException($"{file.Path}: tensor '{Printable.Text(extra)}' belongs to no module of adapter_config.json");
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

    private static (List<KeyValuePair<string, ProLoraConfig>> Configs, string? SaveId) ReadConfig(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        RequireFolder(folder);
        var path = Path.Combine(folder, AdapterKeys.ConfigFile);
        if (FileStatus.Of(path, followLinks: false).Kind == FileKind.Missing)
        {
            throw new FileNotFoundException($"{path}: no such file (an adapter folder holds {AdapterKeys.ConfigFile} and {AdapterKeys.WeightsFile})", path);
        }
        var root = JsonInput.Load(path).Object();
        var peftType = root.Optional("peft_type")?.String();
        if (peftType != PeftType)
        {
            throw root.Error($"peft_type is {(peftType is null ? "missing" : $"\"{Printable.Text(peftType)}\"")}, expected \"{PeftType}\" (a PRoLoRA adapter folder)");
        }
        if (root.Optional("enable_lora_vec")?.Bool() == false || root.Optional("init2zero_via_vec")?.Bool() == true)
        {
            throw root.Error("enable_lora_vec = false and init2zero_via_vec = true are not supported (the official code rejects them too)");
        }
        var modules = root["modules"].Object();
        var configs = new List<KeyValuePair<string, ProLoraConfig>>();
        foreach (var (module, entry) in modules.Properties())
        {
            try
            {
                AdapterKeys.CheckModuleName(module);
            }
            catch (ArgumentException e)
            {
                throw entry.Error(e.Message);
            }
            configs.Add(new(module, ProLoraConfigJson.Parse(root, entry.Object())));
        }
        if (configs.Count == 0)
        {
            throw modules.Error("must name at least one module (module name → {in_features, out_features})");
        }
        return (configs, root.Optional(SaveIdKey)?.String());
    }

    private static void RequireFolder(string folder)
    {
        var status = FileStatus.Of(folder);
        if (status.Kind == FileKind.Missing)
        {
            throw new DirectoryNotFoundException($"{folder}: no such adapter folder");
        }
        if (status.Kind != FileKind.Directory)
        {
            throw new IOException($"{folder}: is {status.Description}, not an adapter folder");
        }
    }

    /// <summary>Weights and config written by one save carry the same id; two different ids are a mix of two saves. (A file without one was written by hand or by another tool.)</summary>
    private static void CheckSameSave(string folder, string? configId, SafetensorsFile file)
    {
        if (configId is not null && file.Metadata.TryGetValue(SaveIdKey, out var weightsId) && configId != weightsId)
        {
            throw new InvalidDataException(
                $"{folder}: {AdapterKeys.ConfigFile} and {AdapterKeys.WeightsFile} come from different saves (save id {Printable.Text(configId)} against {Printable.Text(weightsId)}): " +
                "a mixed-up or interrupted copy; save the adapter again or copy both files of one save");
        }
    }

    /// <summary>The materialised A and B may be at most <see cref="InputLimits.MaterializedExpansion"/> times the stored tensors (or small).</summary>
    private static void CheckPlausibleSize(string folder, List<KeyValuePair<string, ProLoraConfig>> configs, SafetensorsFile file)
    {
        double stored = file.Tensors.Sum(t => (double)t.ByteLength);
        double materialized = configs.Sum(kv => 4.0 * kv.Value.Rank * ((double)kv.Value.InFeatures + kv.Value.OutFeatures));
        if (materialized > InputLimits.MaterializedFloorBytes && materialized > InputLimits.MaterializedExpansion * stored)
        {
            throw new InvalidDataException(
                $"{folder}: {AdapterKeys.ConfigFile} makes the materialised A and B {materialized:N0} bytes, more than {InputLimits.MaterializedExpansion} times " +
                $"the {stored:N0} bytes stored: a config implausible for its weights (in/out features or sharing rates far too large)");
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

    private static byte[] ConfigJson(List<KeyValuePair<string, ProLoraAdapter>> ordered, string? baseModel, string saveId)
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
        root[SaveIdKey] = saveId;
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
