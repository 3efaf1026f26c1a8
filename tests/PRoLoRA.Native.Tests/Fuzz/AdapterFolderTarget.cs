using System.Text;
using System.Text.Json.Nodes;
using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.IO;

namespace PRoLoRA.Native.Tests.Fuzz;

/// <summary>
/// A PRoLoRA adapter folder (the config, the weights, or both coherently (<see cref="AdapterMutator"/>)
/// of a valid save mutated): LoadConfigs and
/// Load, then, when it loads, PeftLoraExport.Save and AdapterMerge.Merge into a zero base of the
/// loaded modules' shapes, whose outputs must reload (or not exist when they fail). CLI: inspect,
/// export and merge, which must agree with the library.
/// </summary>
internal sealed class AdapterFolderTarget : FuzzTarget
{
    /// <summary>Export and merge are skipped above this many elements in a module's weight or in all materialised A and B (keeps cases fast).</summary>
    private const long MaxElements = 1 << 20;

    private static readonly SafetensorsDType[] FloatDTypes = [SafetensorsDType.F32, SafetensorsDType.F16, SafetensorsDType.BF16];

    public override string Name => "adapter-folder";

    public override IReadOnlyList<string> FileNames => [AdapterKeys.ConfigFile, AdapterKeys.WeightsFile];

    public override FuzzInput Mutate(Mutator m)
    {
        var config = FuzzSeeds.AdapterConfig;
        var weights = FuzzSeeds.AdapterWeights;
        int what = m.Rng.Next(10);
        if (what >= 8 && new AdapterMutator(m).Mutate(config, weights) is { } coherent)
        {
            (config, weights) = coherent;
        }
        else
        {
            if (what <= 3 || what >= 7)
            {
                config = m.Chance(0.8) ? new JsonMutator(m).Mutate(config, FuzzSeeds.JsonFiles) : m.Bytes(config, FuzzSeeds.JsonFiles);
            }
            if (what is >= 4 and <= 7)
            {
                weights = LayoutMutator(m).Mutate(weights, FuzzSeeds.SafetensorsFiles);
            }
        }
        return new FuzzInput(new Dictionary<string, byte[]> { [AdapterKeys.ConfigFile] = config, [AdapterKeys.WeightsFile] = weights });
    }

    public override void Run(FuzzInput input, string dir, CaseResult result, bool cli)
    {
        var folder = Path.Combine(dir, "adapter");
        input.WriteTo(folder);
        ulong hash = input.Hash();
        var exportDType = FloatDTypes[hash % 3];
        var baseDType = FloatDTypes[hash / 3 % 3];
        bool allowNonFinite = hash / 9 % 4 == 0;

        FuzzContract.Attempt(result, "ProLoraAdapterFolder.LoadConfigs", () => ProLoraAdapterFolder.LoadConfigs(folder), [folder]);
        IReadOnlyDictionary<string, ProLoraAdapter>? adapters = null;
        bool loaded = FuzzContract.Attempt(result, "ProLoraAdapterFolder.Load", () => adapters = ProLoraAdapterFolder.Load(folder, CpuBackend.Instance, allowNonFinite), [folder]);
        var modules = adapters?.Select(kv => (Module: kv.Key, kv.Value.Config.OutFeatures, kv.Value.Config.InFeatures)).ToList()
            ?? [.. FuzzSeeds.MixedModules];
        bool small = modules.All(m => (long)m.OutFeatures * m.InFeatures <= MaxElements)
            && (adapters?.Values.Sum(a => (long)a.Config.Rank * ((long)a.Config.InFeatures + a.Config.OutFeatures)) ?? 0) <= MaxElements;
        var basePath = Path.Combine(dir, "base.safetensors");
        if (small)
        {
            WriteBase(basePath, modules, baseDType);
        }
        bool? exported = null, merged = null;
        if (adapters is not null)
        {
            result.Reach("loaded");
            try
            {
                if (small)
                {
                    exported = Export(result, adapters, Path.Combine(dir, "export"), exportDType, allowNonFinite);
                    merged = Merge(result, adapters, basePath, Path.Combine(dir, "merge"), allowNonFinite);
                }
                else
                {
                    result.Reach("loaded, too large to export");
                }
            }
            finally
            {
                foreach (var a in adapters.Values)
                {
                    a.Dispose();
                }
            }
        }
        if (cli)
        {
            // inspect loads a PROLORA folder as export does (without --allow-nonfinite): one that loads inspects.
            var inspect = FuzzContract.Cli(result, FuzzContract.CliCodes, "inspect", folder);
            if (loaded && !allowNonFinite)
            {
                FuzzContract.Agrees(result, inspect, librarySucceeded: true);
            }
            if (small)
            {
                string[] allow = allowNonFinite ? ["--allow-nonfinite"] : [];
                var peft = Path.Combine(dir, "cli-export", "peft");
                var code = FuzzContract.Cli(result, FuzzContract.CliCodes, ["export", folder, "--peft", peft, "--dtype", exportDType.ToString().ToLowerInvariant(), .. allow]);
                FuzzContract.Agrees(result, code, exported ?? false);
                FuzzContract.CheckFolderOutput(result, "prolora export", peft, Path.GetDirectoryName(peft)!, code?.Code == 0);
                var mergedPath = Path.Combine(dir, "cli-merge", "merged.safetensors");
                code = FuzzContract.Cli(result, FuzzContract.CliCodes, ["merge", folder, "--base", basePath, "--out", mergedPath, .. allow]);
                FuzzContract.Agrees(result, code, merged ?? false);
                FuzzContract.CheckFileOutput(result, "prolora merge", mergedPath, Path.GetDirectoryName(mergedPath)!, code?.Code == 0);
            }
        }
    }

    private static bool Export(CaseResult result, IReadOnlyDictionary<string, ProLoraAdapter> adapters, string parent, SafetensorsDType dtype, bool allowNonFinite)
    {
        // PEFT has one use_rslora: exporting adapters that mix both is a documented ArgumentException on
        // the adapters argument (PeftExportTests.MixedRsLora_CannotBeExpressedInPeft_AndIsRejected).
        bool mixedRsLora = adapters.Values.Select(a => a.Config.UseRsLora).Distinct().Count() > 1;
        var peft = Path.Combine(parent, "peft");
        bool ok = FuzzContract.Attempt(
            result,
            $"PeftLoraExport.Save({dtype}, allowNonFinite: {allowNonFinite})",
            () => PeftLoraExport.Save(peft, adapters, dtype, allowNonFinite: allowNonFinite),
            [peft],
            e => mixedRsLora && e.GetType() == typeof(ArgumentException) && ((ArgumentException)e).ParamName == "adapters");
        FuzzContract.CheckFolderOutput(result, "PeftLoraExport.Save", peft, parent, ok);
        if (ok)
        {
            result.Reach("exported");
        }
        return ok;
    }

    private static bool Merge(CaseResult result, IReadOnlyDictionary<string, ProLoraAdapter> adapters, string basePath, string parent, bool allowNonFinite)
    {
        var output = Path.Combine(parent, "merged.safetensors");
        bool ok = FuzzContract.Attempt(result, $"AdapterMerge.Merge(allowNonFinite: {allowNonFinite})", () => AdapterMerge.Merge(basePath, adapters, output, allowNonFinite), [basePath, output]);
        FuzzContract.CheckFileOutput(result, "AdapterMerge.Merge", output, parent, ok);
        if (ok)
        {
            result.Reach("merged");
        }
        return ok;
    }

    /// <summary>
    /// A zero base with each module's weight (out, in) as <paramref name="dtype"/>, plus one I32 tensor
    /// that merge copies; built by hand (zeros are zeros in every float dtype) and written without the
    /// writer's fsyncs, which would dominate a case.
    /// </summary>
    private static void WriteBase(string path, IEnumerable<(string Module, int OutFeatures, int InFeatures)> modules, SafetensorsDType dtype)
    {
        var header = new JsonObject { ["__metadata__"] = new JsonObject { ["format"] = "pt" } };
        long offset = 0;
        foreach (var (module, outFeatures, inFeatures) in modules)
        {
            long bytes = (long)outFeatures * inFeatures * dtype.Size();
            header[AdapterKeys.BaseWeight(module)] = new JsonObject
            {
                ["dtype"] = dtype.ToString(),
                ["shape"] = new JsonArray(outFeatures, inFeatures),
                ["data_offsets"] = new JsonArray(offset, offset + bytes),
            };
            offset += bytes;
        }
        header.TryAdd("fuzz.copied.bias", new JsonObject { ["dtype"] = "I32", ["shape"] = new JsonArray(2), ["data_offsets"] = new JsonArray(offset, offset + 8) });
        var data = new byte[offset + 8];
        data[offset] = 1;
        File.WriteAllBytes(path, SafetensorsMutator.Join(Encoding.UTF8.GetBytes(header.ToJsonString()), data));
    }
}
