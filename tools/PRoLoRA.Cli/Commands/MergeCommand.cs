using System.CommandLine;
using PRoLoRA.Native.IO;

namespace PRoLoRA.Cli.Commands;

/// <summary>`prolora merge`: base checkpoint + PRoLoRA adapter → merged checkpoint.</summary>
public static class MergeCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var adapterDir = new Argument<string>("ADAPTER_DIR") { Description = "PRoLoRA adapter folder" };
        var baseFile = new Option<string>("--base") { Description = "base weights (safetensors, each adapted module's weight as <module>.weight, out×in)", Required = true };
        var output = new Option<string>("--out") { Description = "merged safetensors file to write", Required = true };
        var cmd = new Command("merge", "add each adapter's s·B·A to its base weight and write a new safetensors file")
        {
            adapterDir, baseFile, output,
        };
        cmd.SetAction(p =>
        {
            var basePath = p.GetValue(baseFile)!;
            var outPath = p.GetValue(output)!;
            if (Path.GetFullPath(basePath) == Path.GetFullPath(outPath))
            {
                throw new ArgumentException("--out must differ from --base: the base file is read while the merged one is written");
            }
            using var loaded = LoadedAdapters.Load(p.GetValue(adapterDir)!);
            AdapterMerge.Merge(basePath, loaded.Adapters, outPath);
            p.InvocationConfiguration.Output.WriteLine($"merged {loaded.Adapters.Count} modules into {outPath}");
            return 0;
        });
        return cmd;
    }
}
