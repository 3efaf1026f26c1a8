using System.Reflection;

namespace PRoLoRA.Native.Cuda;

/// <summary>The kernel sources of cuda/, embedded in this assembly as resources named "cuda/FILE".</summary>
internal static class KernelSources
{
    private const string Prefix = "cuda/";

    private static readonly Lazy<IReadOnlyList<KernelSource>> s_all = new(Load);

    /// <summary>Every embedded .cu and .cuh file, ordered by name.</summary>
    public static IReadOnlyList<KernelSource> All => s_all.Value;

    /// <summary>The kernel files (.cu), each compiled to one module.</summary>
    public static IReadOnlyList<KernelSource> Programs => All.Where(s => !s.IsHeader).ToList();

    /// <summary>The headers (.cuh), passed to NVRTC in memory.</summary>
    public static IReadOnlyList<KernelSource> Headers => All.Where(s => s.IsHeader).ToList();

    private static IReadOnlyList<KernelSource> Load()
    {
        var assembly = typeof(KernelSources).Assembly;
        var sources = new List<KernelSource>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException($"resource {name} vanished");
            using var reader = new StreamReader(stream);
            sources.Add(new KernelSource(name[Prefix.Length..], reader.ReadToEnd()));
        }
        return sources;
    }
}
