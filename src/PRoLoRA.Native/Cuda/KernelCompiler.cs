using System.Globalization;
using System.Text;

namespace PRoLoRA.Native.Cuda;

/// <summary>
/// Compiles the kernel files with NVRTC for one target, with the headers passed in memory, and keeps
/// the images in an on-disk cache keyed by a hash (<see cref="KernelHash"/>) of sources, options, target
/// and NVRTC build (<see cref="NvrtcBuild"/>); reports what each kernel uses (<see cref="Resources"/>).
/// </summary>
internal sealed class KernelCompiler
{
    private readonly KernelCache _cache;
    private readonly IReadOnlyList<KernelSource> _headers;
    private readonly NvrtcBuild? _nvrtcBuild;

    /// <summary>A compiler over the embedded headers, caching in <paramref name="cacheFolder"/> (default: <see cref="DefaultCacheFolder"/>).</summary>
    public KernelCompiler(string? cacheFolder = null) : this(cacheFolder, KernelSources.Headers)
    {
    }

    /// <summary>A compiler over <paramref name="headers"/>; <paramref name="nvrtcBuild"/> replaces the loaded NVRTC's build in cache keys (tests).</summary>
    internal KernelCompiler(string? cacheFolder, IReadOnlyList<KernelSource> headers, NvrtcBuild? nvrtcBuild = null)
    {
        _cache = new KernelCache(cacheFolder ?? KernelCache.DefaultFolder);
        _headers = headers;
        _nvrtcBuild = nvrtcBuild;
    }

    /// <summary>Where the cache lives unless another folder is given: <c>PROLORA_KERNEL_CACHE</c> or ~/.cache/prolora/kernels.</summary>
    public static string DefaultCacheFolder => KernelCache.DefaultFolder;

    /// <summary>This compiler's cache folder.</summary>
    public string CacheFolder => _cache.Folder;

    /// <summary>True when NVRTC could be loaded.</summary>
    public static bool IsNvrtcAvailable => CudaLibraries.Nvrtc.Found;

    /// <summary>NVRTC's version as "major.minor" (throws <see cref="CudaException"/> when it is missing).</summary>
    public static string NvrtcVersion => $"{Nvrtc.Version.Major}.{Nvrtc.Version.Minor}";

    /// <summary>The real architectures NVRTC supports (empty when it cannot say).</summary>
    public static IReadOnlyList<int> SupportedArchs => Nvrtc.SupportedArchs;

    /// <summary>The NVRTC options used for <paramref name="target"/>.</summary>
    public static IReadOnlyList<string> Options(KernelTarget target) => [target.Option, "--std=c++17", "-default-device"];

    /// <summary>
    /// The option that makes ptxas print each kernel's registers, spills and memory into NVRTC's log
    /// (NVRTC 11.8 also takes "--ptxas-options=-v"; "-Xptxas -v" as two words it refuses). It leaves the cubin unchanged.
    /// </summary>
    public const string PtxasVerboseOption = "-Xptxas=-v";

    /// <summary>Compiles every embedded kernel file for <paramref name="target"/>.</summary>
    public IReadOnlyList<CompiledKernel> CompileAll(KernelTarget target) => KernelSources.Programs.Select(s => Compile(s, target)).ToList();

    /// <summary>Compiles one kernel file (or takes it from the cache); a compile error throws <see cref="CudaException"/> with NVRTC's log.</summary>
    public CompiledKernel Compile(KernelSource source, KernelTarget target)
    {
        ArgumentNullException.ThrowIfNull(source);
        var options = Options(target);
        string key = CacheKey(source, target, options);
        var cached = _cache.TryRead(key);
        if (cached is not null)
        {
            return new CompiledKernel(source.FileName, target, cached, FromCache: true);
        }
        var headers = _headers.Select(h => KeyValuePair.Create(h.FileName, h.Text)).ToList();
        var (image, _) = Nvrtc.Compile(source.Text, source.FileName, headers, options, target.Cubin);
        _cache.Write(key, image);
        return new CompiledKernel(source.FileName, target, image, FromCache: false);
    }

    /// <summary>
    /// What each kernel of <paramref name="source"/> uses on <paramref name="target"/> (a cubin target:
    /// PTX is assembled later, by the driver), ordered by name. It always compiles, with
    /// <see cref="PtxasVerboseOption"/>, as the cache keeps images, not logs.
    /// </summary>
    public IReadOnlyList<KernelResources> Resources(KernelSource source, KernelTarget target)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!target.Cubin)
        {
            throw new ArgumentException($"a resource report needs a cubin target (sm_{target.Arch}), not {target}: ptxas does not run for PTX", nameof(target));
        }
        var headers = _headers.Select(h => KeyValuePair.Create(h.FileName, h.Text)).ToList();
        string log;
        try
        {
            (_, log) = Nvrtc.Compile(source.Text + ReportNonce(), source.FileName, headers, [.. Options(target), PtxasVerboseOption], cubin: true);
        }
        catch (CudaException)
        {
            // With -v, NVRTC 11.8's log keeps ptxas's info lines but drops its error line (for example
            // "uses too much shared data"); the plain compile throws with the reason.
            Compile(source, target);
            throw;
        }
        var kernels = KernelResources.Parse(source.FileName, log);
        if (kernels.Count == 0)
        {
            // Every file we compile defines kernels; a log without ptxas's report cannot be read as "none".
            throw new InvalidDataException($"{source.FileName} ({target}): NVRTC's log holds no ptxas report of any kernel; the log was:\n{log}");
        }
        return kernels;
    }

    /// <summary>
    /// A device variable of a new name for each resource report. With NVRTC 13 on an H200, a compile of a
    /// file and target compiled before (in that process or an earlier one) came back with an empty log, as if
    /// ptxas had not run, so every report compiles PTX never seen before. The variable is no kernel, and the
    /// image is thrown away.
    /// </summary>
    private static string ReportNonce() => $"\n__device__ int prolora_resource_report_{Guid.NewGuid():N};\n";

    /// <summary>The cache file name: stem, target, and the hash of everything that shapes the image.</summary>
    internal string CacheKey(KernelSource source, KernelTarget target, IReadOnlyList<string> options)
    {
        var text = new StringBuilder();
        text.Append("prolora-kernel v1\0").Append(source.FileName).Append('\0').Append(source.Text).Append('\0');
        foreach (var header in _headers.OrderBy(h => h.FileName, StringComparer.Ordinal))
        {
            text.Append(header.FileName).Append('\0').Append(header.Text).Append('\0');
        }
        text.Append(string.Join('\0', options)).Append('\0').Append(target).Append('\0');
        text.Append(CultureInfo.InvariantCulture, $"nvrtc {_nvrtcBuild ?? NvrtcBuild.Current}");
        var hash = Convert.ToHexStringLower(KernelHash.Of(Encoding.UTF8.GetBytes(text.ToString())));
        return $"{Path.GetFileNameWithoutExtension(source.FileName)}.{target}.{hash[..32]}.{(target.Cubin ? "cubin" : "ptx")}";
    }
}
