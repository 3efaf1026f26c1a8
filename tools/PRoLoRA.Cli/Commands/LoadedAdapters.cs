using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.IO;

namespace PRoLoRA.Cli.Commands;

/// <summary>A PRoLoRA adapter folder loaded on the CPU for the duration of a verb.</summary>
internal sealed class LoadedAdapters : IDisposable
{
    private LoadedAdapters(IReadOnlyDictionary<string, ProLoraAdapter> adapters)
    {
        Adapters = adapters;
    }

    /// <summary>Module name → adapter.</summary>
    public IReadOnlyDictionary<string, ProLoraAdapter> Adapters { get; }

    /// <summary>Loads <paramref name="folder"/>; a missing folder is an <see cref="DirectoryNotFoundException"/> naming it.</summary>
    public static LoadedAdapters Load(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"{folder}: no such adapter folder");
        }
        return new LoadedAdapters(ProLoraAdapterFolder.Load(folder, CpuBackend.Instance));
    }

    /// <summary>Frees the adapters.</summary>
    public void Dispose()
    {
        foreach (var a in Adapters.Values)
        {
            a.Dispose();
        }
    }
}
