using System.CommandLine;
using PRoLoRA.Native.IO;

namespace PRoLoRA.Cli.Commands;

/// <summary>`prolora merge`: base checkpoint + PRoLoRA adapter → merged checkpoint.</summary>
public static class MergeCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var adapterDir = PathArguments.Argument("ADAPTER_DIR", "PRoLoRA adapter folder");
        var baseFile = PathArguments.Option("--base", "base weights (safetensors, each adapted module's weight as <module>.weight, out×in)", required: true);
        var output = PathArguments.Option("--out", "merged safetensors file to write (replaced atomically; only a regular file is replaced)", required: true);
        var allowNonFinite = new Option<bool>("--allow-nonfinite") { Description = "merge NaN and ±Inf in the adapter or the base weights instead of refusing them" };
        var cmd = new Command("merge", "add each adapter's s·B·A to its base weight and write a new safetensors file")
        {
            adapterDir, baseFile, output, allowNonFinite,
        };
        cmd.SetAction(p =>
        {
            var folder = p.GetValue(adapterDir)!;
            var basePath = p.GetValue(baseFile)!;
            var outPath = p.GetValue(output)!;
            if (PathArguments.SameFile(basePath, outPath))
            {
                throw new ArgumentException("--out must differ from --base: the base file is read while the merged one is written");
            }
            foreach (var name in new[] { AdapterKeys.WeightsFile, AdapterKeys.ConfigFile })
            {
                if (PathArguments.SameFile(Path.Combine(folder, name), outPath))
                {
                    throw new ArgumentException($"--out {outPath} is the adapter's own {name}: merging would destroy the adapter; give another file");
                }
            }
            bool allow = p.GetValue(allowNonFinite);
            using var loaded = LoadedAdapters.Load(folder, allow);
            AdapterMerge.Merge(basePath, loaded.Adapters, outPath, allow);
            p.InvocationConfiguration.Output.WriteLine($"merged {loaded.Adapters.Count} modules into {outPath}");
            return 0;
        });
        return cmd;
    }
}
