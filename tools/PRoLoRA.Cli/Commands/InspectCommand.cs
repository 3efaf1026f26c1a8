using System.CommandLine;
using System.Text.Json;
using PRoLoRA.Native.IO;

namespace PRoLoRA.Cli.Commands;

/// <summary>`prolora inspect`: a safetensors file's tensors and metadata, or an adapter folder's tensors and config.</summary>
public static class InspectCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var path = new Argument<string>("FILE_OR_DIR") { Description = "a .safetensors file or an adapter folder" };
        var cmd = new Command("inspect", "list tensors (name, dtype, shape), metadata and, for an adapter folder, its config")
        {
            path,
        };
        cmd.SetAction(p =>
        {
            var target = p.GetValue(path)!;
            var o = p.InvocationConfiguration.Output;
            if (Directory.Exists(target))
            {
                InspectFolder(o, target);
            }
            else if (File.Exists(target))
            {
                InspectFile(o, target);
            }
            else
            {
                throw new FileNotFoundException($"{target}: no such file or folder", target);
            }
            return 0;
        });
        return cmd;
    }

    private static void InspectFolder(TextWriter o, string folder)
    {
        var configPath = Path.Combine(folder, AdapterKeys.ConfigFile);
        var weightsPath = Path.Combine(folder, AdapterKeys.WeightsFile);
        if (!File.Exists(configPath) && !File.Exists(weightsPath))
        {
            throw new FileNotFoundException($"{folder}: not an adapter folder (no {AdapterKeys.ConfigFile} or {AdapterKeys.WeightsFile})");
        }
        if (File.Exists(configPath))
        {
            InspectConfig(o, folder, configPath);
        }
        if (File.Exists(weightsPath))
        {
            InspectFile(o, weightsPath);
        }
    }

    private static void InspectConfig(TextWriter o, string folder, string configPath)
    {
        using var doc = ParseJson(configPath);
        string? peftType = doc.RootElement.TryGetProperty("peft_type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        o.WriteLine($"{configPath}: peft_type {peftType ?? "(none)"}");
        if (peftType == ProLoraAdapterFolder.PeftType)
        {
            var configs = ProLoraAdapterFolder.LoadConfigs(folder);
            o.WriteLine($"  {"module",-40} {"in",6} {"out",6} {"r",3} {"u",3} {"m",3} {"n",3} {"rot",4} {"sA",3} {"sB",3} {"alpha",7} {"scaling",8} {"params",10}");
            foreach (var (module, c) in configs)
            {
                o.WriteLine($"  {module,-40} {c.InFeatures,6} {c.OutFeatures,6} {c.Rank,3} {c.UnsharedRank,3} {c.ReduceA,3} {c.ReduceB,3} {(c.Rotation ? "yes" : "no"),4} {c.ShiftA,3} {c.ShiftB,3} {c.LoraAlpha,7} {c.Scaling,8:G4} {c.TrainableParameters,10}");
            }
            o.WriteLine($"  trainable parameters: {configs.Sum(kv => kv.Value.TrainableParameters)}");
        }
        else
        {
            o.WriteLine(JsonSerializer.Serialize(doc.RootElement, new JsonSerializerOptions { WriteIndented = true }));
        }
    }

    private static JsonDocument ParseJson(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON: {e.Message}", e);
        }
    }

    private static void InspectFile(TextWriter o, string path)
    {
        using var file = SafetensorsFile.Open(path);
        long bytes = file.Tensors.Sum(t => t.ByteLength);
        o.WriteLine($"{path}: {file.Tensors.Count} tensors, {bytes} bytes of data");
        foreach (var (key, value) in file.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            o.WriteLine($"  metadata {key} = {value}");
        }
        int width = Math.Max(6, file.Tensors.Select(t => t.Name.Length).DefaultIfEmpty(0).Max());
        o.WriteLine($"  {"tensor".PadRight(width)} {"dtype",-7} shape");
        foreach (var t in file.Tensors.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            o.WriteLine($"  {t.Name.PadRight(width)} {t.DType,-7} {t.Shape}");
        }
    }
}
