using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Backends;
using PRoLoRA.Native.IO;
using PRoLoRA.Native.Models.Llama;

namespace PRoLoRA.Cli.Commands;

/// <summary>A LLaMA checkpoint (with an adapter, when one is given) loaded on a device for the duration of a verb.</summary>
internal sealed class LoadedModel : IDisposable
{
    private LoadedModel(IBackend backend, LlamaModel model, int adaptedModules)
    {
        Backend = backend;
        Model = model;
        AdaptedModules = adaptedModules;
    }

    /// <summary>The device the model lives on.</summary>
    public IBackend Backend { get; }

    /// <summary>The model.</summary>
    public LlamaModel Model { get; }

    /// <summary>Linears that carry an adapter (0 without one).</summary>
    public int AdaptedModules { get; }

    /// <summary>
    /// Opens <paramref name="device"/>, loads the checkpoint of <paramref name="modelFolder"/> onto it
    /// with its linears kept as <paramref name="baseDType"/> says, and puts <paramref name="adapterFolder"/>'s adapters (when given) on its linears. An adapter for
    /// a linear the model does not have, or of another size, is an error naming the adapter folder and the module.
    /// </summary>
    public static LoadedModel Load(string modelFolder, string? adapterFolder, string device, BaseDType baseDType = default)
    {
        var backend = Devices.Open(device);
        LlamaModel? model = null;
        try
        {
            model = LlamaModel.Load(modelFolder, backend, baseDType);
            int adapted = 0;
            if (adapterFolder is not null)
            {
                var adapters = AdapterFolder.Load(adapterFolder, backend);
                try
                {
                    Check(adapters, model.Config, modelFolder, adapterFolder);
                }
                catch
                {
                    foreach (var a in adapters.Values)
                    {
                        a.Dispose();
                    }
                    throw;
                }
                model.AddAdapters(adapters);
                adapted = adapters.Count;
            }
            return new LoadedModel(backend, model, adapted);
        }
        catch
        {
            model?.Dispose();
            backend.Dispose();
            throw;
        }
    }

    /// <summary>Every adapter must sit on one of the model's linears, with its in and out features.</summary>
    private static void Check(IReadOnlyDictionary<string, ProLoraAdapter> adapters, LlamaConfig config, string modelFolder, string adapterFolder)
    {
        var linears = LlamaModules.Targets(config).ToDictionary(m => m.Name, StringComparer.Ordinal);
        foreach (var (path, adapter) in adapters)
        {
            var c = adapter.Config;
            if (!linears.TryGetValue(path, out var linear))
            {
                throw new InvalidDataException($"--adapter {adapterFolder}: adapts '{path}', which the model in {modelFolder} does not have (its linears are model.layers.0 to {config.Layers - 1}'s {string.Join(", ", LlamaModules.Leaves)})");
            }
            if (linear.InFeatures != c.InFeatures || linear.OutFeatures != c.OutFeatures)
            {
                throw new InvalidDataException($"--adapter {adapterFolder}: '{path}' is {c.InFeatures}→{c.OutFeatures} in the adapter, but {linear.InFeatures}→{linear.OutFeatures} in the model in {modelFolder}; the adapter was made for another model");
            }
        }
    }

    /// <summary>Frees the model, its adapters and the device.</summary>
    public void Dispose()
    {
        Model.Dispose();
        Backend.Dispose();
    }
}
