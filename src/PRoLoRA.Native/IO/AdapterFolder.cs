using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Backends;
using PRoLoRA.Native.IO.FileSystem;
using PRoLoRA.Native.IO.Input;

namespace PRoLoRA.Native.IO;

/// <summary>Loads an adapter folder of either kind this library reads: compact PRoLoRA (peft_type PROLORA) or PEFT LoRA (peft_type LORA).</summary>
public static class AdapterFolder
{
    /// <summary>The adapters of <paramref name="folder"/> on <paramref name="backend"/>, module path → adapter, whichever kind the config says.</summary>
    public static IReadOnlyDictionary<string, ProLoraAdapter> Load(string folder, IBackend backend, bool allowNonFinite = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var status = FileStatus.Of(folder);
        if (status.Kind != FileKind.Directory)
        {
            throw status.Kind == FileKind.Missing
                ? new DirectoryNotFoundException($"{folder}: no such adapter folder")
                : new IOException($"{folder}: is {status.Description}, not an adapter folder");
        }
        var configPath = Path.Combine(folder, AdapterKeys.ConfigFile);
        if (FileStatus.Of(configPath).Kind == FileKind.Missing)
        {
            throw new FileNotFoundException($"{configPath}: no such file (an adapter folder holds {AdapterKeys.ConfigFile} and {AdapterKeys.WeightsFile})", configPath);
        }
        var peftType = JsonInput.Load(configPath).Object().Optional("peft_type");
        return peftType?.Kind == System.Text.Json.JsonValueKind.String && peftType.Value.String() == "LORA"
            ? PeftLoraFolder.Load(folder, backend, allowNonFinite)
            : ProLoraAdapterFolder.Load(folder, backend, allowNonFinite);
    }
}
