using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.IO.Input;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.IO;

/// <summary>
/// Merges adapters into a base checkpoint: for every adapted module, the base file's
/// "&lt;module&gt;.weight" (out×in, any float dtype; the Hugging Face key convention) becomes
/// W + s·B·A, stored in its own dtype (the sum is computed in float32 on the adapter's backend);
/// every other tensor and the metadata are copied unchanged. Tensors are processed one at a time.
/// </summary>
public static class AdapterMerge
{
    /// <summary>
    /// Writes <paramref name="outputPath"/> atomically. Throws an
    /// <see cref="InvalidDataException"/> when a module's weight is missing from the base file or has
    /// the wrong shape or dtype, or when a weight to merge holds NaN or ±Inf (or the sum overflows its
    /// dtype), unless <paramref name="allowNonFinite"/>.
    /// </summary>
    public static void Merge(string baseFile, IReadOnlyDictionary<string, ProLoraAdapter> adapters, string outputPath, bool allowNonFinite = false)
    {
        ArgumentNullException.ThrowIfNull(outputPath);
        var ordered = ProLoraAdapterFolder.Ordered(adapters);
        using var source = SafetensorsFile.Open(baseFile);
        var byWeight = new Dictionary<string, ProLoraAdapter>(StringComparer.Ordinal);
        foreach (var (module, adapter) in ordered)
        {
            var key = AdapterKeys.BaseWeight(module);
            if (!source.Contains(key))
            {
                throw new InvalidDataException($"{source.Path}: no tensor '{key}' for adapted module '{module}' (base weights are expected as <module>.weight)");
            }
            var info = source.Info(key);
            var expected = new Shape(adapter.Config.OutFeatures, adapter.Config.InFeatures);
            if (info.Shape != expected)
            {
                throw new InvalidDataException($"{source.Path}: tensor '{key}' has shape {info.Shape}, but the adapter of '{module}' needs (out, in) = {expected}");
            }
            if (!info.DType.IsWritableFromFloat32())
            {
                throw new InvalidDataException($"{source.Path}: tensor '{key}' is {info.DType}; merging needs F32, F16 or BF16");
            }
            byWeight.Add(key, adapter);
        }
        var writer = new SafetensorsWriter { AllowNonFinite = allowNonFinite };
        foreach (var (k, v) in source.Metadata)
        {
            writer.Metadata[k] = v;
        }
        foreach (var info in source.Tensors)
        {
            if (byWeight.TryGetValue(info.Name, out var adapter))
            {
                writer.AddLazy(info.Name, info.Shape, info.DType, () => Merged(source, info.Name, adapter, allowNonFinite));
            }
            else
            {
                writer.AddRaw(info.Name, info.Shape, info.DType, () => source.ReadBytes(info.Name));
            }
        }
        writer.Save(outputPath);
    }

    private static float[] Merged(SafetensorsFile source, string key, ProLoraAdapter adapter, bool allowNonFinite)
    {
        var be = adapter.Backend;
        var weight = source.ReadFloat32(key);
        if (!allowNonFinite)
        {
            FiniteCheck.Require(weight, $"{source.Path}: tensor '{key}'");
        }
        using var w = be.FromArray(weight, source.Info(key).Shape);
        using var a = adapter.MaterializeA();
        using var b = adapter.MaterializeB();
        be.Gemm(b, a, w, adapter.Config.Scaling, 1f);
        return w.ToArray();
    }
}
