using System.Text.RegularExpressions;
using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Backends;
using PRoLoRA.Native.IO.FileSystem;
using PRoLoRA.Native.IO.Input;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.IO;

/// <summary>
/// Reads a plain PEFT LoRA adapter folder (peft_type "LORA": <c>base_model.model.&lt;module&gt;.lora_A.weight</c>
/// r×in and <c>.lora_B.weight</c> out×r, F32/F16/BF16) as adapters of this library: LoRA is PRoLoRA
/// with every rank unshared, so A becomes vec_a and Bᵀ vec_b. r and lora_alpha per module follow
/// rank_pattern and alpha_pattern as PEFT matches them (a key matches a module path that ends with it,
/// as a regular expression); use_rslora is honoured. DoRA, bias training, fan_in_fan_out and
/// modules_to_save change the math and are refused naming the field.
/// </summary>
public static class PeftLoraFolder
{
    private static readonly TimeSpan PatternTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>The adapters of <paramref name="folder"/> on <paramref name="backend"/>, module path → adapter.</summary>
    public static IReadOnlyDictionary<string, ProLoraAdapter> Load(string folder, IBackend backend, bool allowNonFinite = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(backend);
        var configPath = Path.Combine(folder, AdapterKeys.ConfigFile);
        if (FileStatus.Of(configPath).Kind == FileKind.Missing)
        {
            throw new FileNotFoundException($"{configPath}: no such file (a PEFT adapter folder holds {AdapterKeys.ConfigFile} and {AdapterKeys.WeightsFile})", configPath);
        }
        var root = JsonInput.Load(configPath).Object();
        var peftType = root.Optional("peft_type")?.String();
        if (peftType != "LORA")
        {
            throw root.Error($"peft_type is {(peftType is null ? "missing" : $"\"{Printable.Text(peftType)}\"")}, expected \"LORA\" (a PEFT LoRA folder)");
        }
        Refuse(root, "use_dora", f => f.Bool(), "DoRA");
        Refuse(root, "fan_in_fan_out", f => f.Bool(), "fan_in_fan_out (Conv1D-style weights)");
        if (root.Optional("bias") is { } bias && bias.String() != "none")
        {
            throw bias.Error($"is {bias.Describe()}: only \"none\" is supported (trained biases are not loaded)");
        }
        if (root.Optional("modules_to_save") is { } save && save.Items().Count > 0)
        {
            throw save.Error("lists modules saved whole; only LoRA's A and B are loaded");
        }
        int rank = root["r"].Int32(1);
        float alpha = root.Optional("lora_alpha")?.Single() ?? 8f;
        bool rsLora = root.Optional("use_rslora")?.Bool() ?? false;
        float dropout = root.Optional("lora_dropout")?.Single() ?? 0f;
        var rankPattern = Patterns(root, "rank_pattern", f => f.Int32(1));
        var alphaPattern = Patterns(root, "alpha_pattern", f => f.Single());

        using var file = SafetensorsFile.Open(Path.Combine(folder, AdapterKeys.WeightsFile));
        var adapters = new Dictionary<string, ProLoraAdapter>(StringComparer.Ordinal);
        try
        {
            foreach (var module in Modules(file))
            {
                var a = file.Info(AdapterKeys.LoraA(module));
                var b = file.Info(AdapterKeys.LoraB(module));
                int r = Match(rankPattern, module) ?? rank;
                if (a.Shape.Rank != 2 || b.Shape.Rank != 2 || a.Shape[0] != r || b.Shape[1] != r)
                {
                    throw new InvalidDataException($"{file.Path}: module '{Printable.Text(module)}' has lora_A {a.Shape} and lora_B {b.Shape}, but r is {r} (lora_A r×in, lora_B out×r)");
                }
                ProLoraConfig config;
                try
                {
                    config = ProLoraConfig.Lora(a.Shape[1], b.Shape[0], r, Match(alphaPattern, module) ?? alpha) with { UseRsLora = rsLora, Dropout = dropout };
                    config.Validate();
                }
                catch (ArgumentException e)
                {
                    throw root.Error($"module '{Printable.Text(module)}': {e.Message}");
                }
                var aValues = Values(file, a.Name, allowNonFinite);
                var bValues = Values(file, b.Name, allowNonFinite);
                adapters.Add(module, new ProLoraAdapter(
                    config,
                    backend.Zeros(new Shape(0, config.ChunkSizeA)),
                    backend.FromArray(aValues, new Shape(r, config.InFeatures)),
                    backend.Zeros(new Shape(config.ChunkSizeB, 0)),
                    backend.FromArray(Transpose(bValues, config.OutFeatures, r), new Shape(r, config.OutFeatures))));
            }
            if (adapters.Count == 0)
            {
                throw new InvalidDataException($"{file.Path}: holds no lora_A/lora_B pair");
            }
            return adapters;
        }
        catch
        {
            foreach (var adapter in adapters.Values)
            {
                adapter.Dispose();
            }
            throw;
        }
    }

    /// <summary>The module paths of the file's lora_A tensors; every tensor must be a lora_A or lora_B of a module that has both.</summary>
    private static List<string> Modules(SafetensorsFile file)
    {
        const string suffixA = ".lora_A.weight", suffixB = ".lora_B.weight";
        var modules = new List<string>();
        foreach (var t in file.Tensors.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            bool isA = t.Name.EndsWith(suffixA, StringComparison.Ordinal), isB = t.Name.EndsWith(suffixB, StringComparison.Ordinal);
            if (!t.Name.StartsWith(AdapterKeys.Prefix, StringComparison.Ordinal) || !(isA || isB))
            {
                throw new InvalidDataException($"{file.Path}: tensor '{Printable.Text(t.Name)}' is no LoRA weight (base_model.model.<module>.lora_A.weight or .lora_B.weight)");
            }
            var module = t.Name[AdapterKeys.Prefix.Length..^suffixA.Length];
            if (!file.Contains(isA ? AdapterKeys.LoraB(module) : AdapterKeys.LoraA(module)))
            {
                throw new InvalidDataException($"{file.Path}: module '{Printable.Text(module)}' has lora_{(isA ? "A" : "B")} but no lora_{(isA ? "B" : "A")}");
            }
            if (isA)
            {
                AdapterKeys.CheckModuleName(module);
                modules.Add(module);
            }
        }
        return modules;
    }

    private static float[] Values(SafetensorsFile file, string name, bool allowNonFinite)
    {
        var values = file.ReadFloat32(name);
        if (!allowNonFinite)
        {
            FiniteCheck.Require(values, $"{file.Path}: tensor '{name}'");
        }
        return values;
    }

    private static float[] Transpose(float[] data, int rows, int cols)
    {
        var t = new float[data.Length];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                t[(j * rows) + i] = data[(i * cols) + j];
            }
        }
        return t;
    }

    private static void Refuse(JsonField root, string field, Func<JsonField, bool> isSet, string what)
    {
        if (root.Optional(field) is { } f && isSet(f))
        {
            throw f.Error($"is set: {what} is not supported");
        }
    }

    /// <summary>A pattern map (PEFT's rank_pattern or alpha_pattern): key as a regular expression → value.</summary>
    private static List<(Regex Key, T Value)> Patterns<T>(JsonField root, string field, Func<JsonField, T> read)
    {
        var patterns = new List<(Regex, T)>();
        if (root.Optional(field) is not { } map)
        {
            return patterns;
        }
        foreach (var (key, value) in map.Object().Properties())
        {
            try
            {
                patterns.Add((new Regex($"^(.*\\.)?({key})$", RegexOptions.CultureInvariant, PatternTimeout), read(value)));
            }
            catch (ArgumentException)
            {
                throw map.Error($"key '{Printable.Text(key)}' is not a valid regular expression");
            }
        }
        return patterns;
    }

    private static T? Match<T>(List<(Regex Key, T Value)> patterns, string module)
        where T : struct
    {
        foreach (var (key, value) in patterns)
        {
            try
            {
                if (key.IsMatch(module))
                {
                    return value;
                }
            }
            catch (RegexMatchTimeoutException)
            {
                throw new InvalidDataException($"the pattern '{Printable.Text(key.ToString())}' takes too long to match '{Printable.Text(module)}'");
            }
        }
        return null;
    }
}
