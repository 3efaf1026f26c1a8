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

    /// <summary>Loads <paramref name="folder"/> (every problem an exception naming the file and the problem).</summary>
    public static LoadedAdapters Load(string folder, bool allowNonFinite)
        => new(ProLoraAdapterFolder.Load(folder, CpuBackend.Instance, allowNonFinite));

    /// <summary>Frees the adapters.</summary>
    public void Dispose()
    {
        foreach (var a in Adapters.Values)
        {
            a.Dispose();
        }
    }
}
