using System.CommandLine;
using System.Text.Json;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.IO;
using PRoLoRA.Native.IO.FileSystem;
using PRoLoRA.Native.IO.Input;

namespace PRoLoRA.Cli.Commands;

/// <summary>
/// `prolora inspect`: a safetensors file's tensors and metadata, or an adapter folder's config and
/// tensors. An adapter folder is checked the way export and merge load it first: one they would
/// reject is "not loadable" (exit 2). Output is bounded unless --all: names cut at
/// <see cref="NameWidth"/> characters, at most <see cref="MaxRows"/> rows per list, and control
/// characters in names escaped.
/// </summary>
public static class InspectCommand
{
    /// <summary>The widest name column printed without --all.</summary>
    public const int NameWidth = 64;

    /// <summary>The most rows of one list printed without --all.</summary>
    public const int MaxRows = 200;

    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var path = PathArguments.Argument("FILE_OR_DIR", "a .safetensors file or an adapter folder");
        var all = new Option<bool>("--all") { Description = "print every row and whole names (no caps)" };
        var cmd = new Command("inspect", "list tensors (name, dtype, shape), metadata and, for an adapter folder, its config (checked as export loads it)")
        {
            path, all,
        };
        cmd.SetAction(p =>
        {
            var target = p.GetValue(path)!;
            var o = p.InvocationConfiguration.Output;
            var limits = p.GetValue(all) ? new Limits(int.MaxValue, int.MaxValue) : new Limits(NameWidth, MaxRows);
            var status = FileStatus.Of(target);
            switch (status.Kind)
            {
                case FileKind.Directory:
                    InspectFolder(o, target, limits);
                    break;
                case FileKind.Regular:
                    InspectFile(o, target, limits);
                    break;
                case FileKind.Missing:
                    throw new FileNotFoundException($"{target}: no such file or folder", target);
                default:
                    throw new IOException($"{target}: is {status.Description}, not a file or folder");
            }
            return 0;
        });
        return cmd;
    }

    private readonly record struct Limits(int NameWidth, int Rows);

    private static void InspectFolder(TextWriter o, string folder, Limits limits)
    {
        var configPath = Path.Combine(folder, AdapterKeys.ConfigFile);
        var weightsPath = Path.Combine(folder, AdapterKeys.WeightsFile);
        bool hasConfig = FileStatus.Of(configPath).Kind != FileKind.Missing;
        bool hasWeights = FileStatus.Of(weightsPath).Kind != FileKind.Missing;
        if (!hasConfig && !hasWeights)
        {
            throw new FileNotFoundException($"{folder}: not an adapter folder (no {AdapterKeys.ConfigFile} or {AdapterKeys.WeightsFile})");
        }
        if (!hasConfig || !hasWeights)
        {
            throw new InvalidDataException($"{folder}: not loadable: no {(hasConfig ? AdapterKeys.WeightsFile : AdapterKeys.ConfigFile)} (an adapter folder holds both)");
        }
        var root = NotLoadableUnless(folder, () => JsonInput.Load(configPath).Object());
        var peftType = root.Optional("peft_type") is { Kind: JsonValueKind.String } t ? t.String() : null;
        o.WriteLine($"{configPath}: peft_type {Printable.Text(peftType ?? "(none)")}");
        if (peftType == ProLoraAdapterFolder.PeftType)
        {
            var configs = NotLoadableUnless(folder, () =>
            {
                foreach (var adapter in ProLoraAdapterFolder.Load(folder, CpuBackend.Instance).Values)
                {
                    adapter.Dispose();
                }
                return ProLoraAdapterFolder.LoadConfigs(folder);
            });
            int width = Math.Clamp(configs.Max(kv => kv.Key.Length), 6, limits.NameWidth);
            o.WriteLine($"  {"module".PadRight(width)} {"in",6} {"out",6} {"r",3} {"u",3} {"m",3} {"n",3} {"rot",4} {"sA",3} {"sB",3} {"alpha",7} {"scaling",8} {"params",10}");
            foreach (var (module, c) in configs.Take(limits.Rows))
            {
                o.WriteLine($"  {Printable.Text(module, limits.NameWidth).PadRight(width)} {c.InFeatures,6} {c.OutFeatures,6} {c.Rank,3} {c.UnsharedRank,3} {c.ReduceA,3} {c.ReduceB,3} {(c.Rotation ? "yes" : "no"),4} {c.ShiftA,3} {c.ShiftB,3} {c.LoraAlpha,7} {c.Scaling,8:G4} {c.TrainableParameters,10}");
            }
            More(o, configs.Count, limits, "modules");
            o.WriteLine($"  trainable parameters: {configs.Sum(kv => kv.Value.TrainableParameters)}");
        }
        else
        {
            var lines = JsonSerializer.Serialize(root.Element, new JsonSerializerOptions { WriteIndented = true }).Split('\n');
            foreach (var line in lines.Take(limits.Rows))
            {
                o.WriteLine(Printable.Text(line.TrimEnd('\r'), limits.NameWidth == int.MaxValue ? int.MaxValue : 2 * limits.NameWidth));
            }
            More(o, lines.Length, limits, "lines of the config");
        }
        NotLoadableUnless(folder, () => InspectFile(o, weightsPath, limits));
    }

    private static void InspectFile(TextWriter o, string path, Limits limits)
    {
        using var file = SafetensorsFile.Open(path);
        long bytes = file.Tensors.Sum(t => t.ByteLength);
        o.WriteLine($"{path}: {file.Tensors.Count} tensors, {bytes} bytes of data");
        var metadata = file.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        foreach (var (key, value) in metadata.Take(limits.Rows))
        {
            o.WriteLine($"  metadata {Printable.Text(key, limits.NameWidth)} = {Printable.Text(value, limits.NameWidth == int.MaxValue ? int.MaxValue : 2 * limits.NameWidth)}");
        }
        More(o, metadata.Count, limits, "metadata entries");
        int width = Math.Clamp(file.Tensors.Select(t => t.Name.Length).DefaultIfEmpty(0).Max(), 6, limits.NameWidth);
        o.WriteLine($"  {"tensor".PadRight(width)} {"dtype",-7} shape");
        foreach (var t in file.Tensors.OrderBy(t => t.Name, StringComparer.Ordinal).Take(limits.Rows))
        {
            o.WriteLine($"  {Printable.Text(t.Name, limits.NameWidth).PadRight(width)} {t.DType,-7} {t.Shape}");
        }
        More(o, file.Tensors.Count, limits, "tensors");
    }

    private static void More(TextWriter o, int count, Limits limits, string what)
    {
        if (count > limits.Rows)
        {
            o.WriteLine($"  ... and {count - limits.Rows} more {what} (--all lists every one)");
        }
    }

    private static T NotLoadableUnless<T>(string folder, Func<T> check)
    {
        try
        {
            return check();
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new InvalidDataException($"{folder}: not loadable: {e.Message}", e);
        }
    }

    private static void NotLoadableUnless(string folder, Action check) => NotLoadableUnless(folder, () =>
    {
        check();
        return 0;
    });
}
