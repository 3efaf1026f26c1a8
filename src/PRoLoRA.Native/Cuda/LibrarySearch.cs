namespace PRoLoRA.Native.Cuda;

/// <summary>
/// Where the CUDA libraries are looked for, in order: the folders named by
/// <c>PROLORA_CUDA_LIBRARY_PATH</c>, the system loader (ld.so cache, LD_LIBRARY_PATH), the CUDA
/// toolkit folders ($CUDA_HOME, /usr/local/cuda, then every /usr/local/cuda-X.Y newest first), then
/// Python's <c>site-packages/nvidia/*/lib</c> folders (pip's nvidia-* packages) under <c>lib</c> and
/// <c>lib64</c>. Each file name, newest version first, is tried in every place before the next older name.
/// </summary>
internal static class LibrarySearch
{
    /// <summary>Environment variable naming extra folders (separated by the path separator) searched first.</summary>
    public const string PathVariable = "PROLORA_CUDA_LIBRARY_PATH";

    /// <summary>A path to try: a full path (<see cref="IsPath"/>) or a bare name for the system loader.</summary>
    /// <param name="Path">The path or bare name.</param>
    /// <param name="IsPath">True for a full path.</param>
    /// <param name="Prerequisites">Libraries of the same folder to load first (cuBLASLt for cuBLAS, NVRTC's builtins).</param>
    public readonly record struct Candidate(string Path, bool IsPath, IReadOnlyList<string> Prerequisites);

    /// <summary>The folders of <see cref="PathVariable"/>.</summary>
    public static IReadOnlyList<string> OverrideFolders() =>
        (Environment.GetEnvironmentVariable(PathVariable) ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>CUDA toolkit folders and pip's nvidia/*/lib folders that exist on this machine.</summary>
    public static IReadOnlyList<string> ToolkitFolders()
    {
        var folders = new List<string>();
        var cudaHome = Environment.GetEnvironmentVariable("CUDA_HOME") ?? Environment.GetEnvironmentVariable("CUDA_PATH");
        if (!string.IsNullOrEmpty(cudaHome))
        {
            folders.Add(Path.Combine(cudaHome, "lib64"));
        }
        folders.Add("/usr/local/cuda/lib64");
        folders.Add("/usr/local/cuda/targets/x86_64-linux/lib");
        folders.AddRange(VersionedToolkits("/usr/local"));
        foreach (var site in PythonSitePackages())
        {
            folders.AddRange(SafeDirectories(Path.Combine(site, "nvidia")).Select(d => Path.Combine(d, "lib")));
        }
        return folders.Where(Directory.Exists).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The candidates for one library: <paramref name="names"/> newest first, each in every folder.</summary>
    /// <param name="names">File names, newest first, unversioned last.</param>
    /// <param name="useToolkitFolders">False for the driver, which comes with the kernel module, not the toolkit.</param>
    /// <param name="prerequisites">For a file name, the names (or globs) of libraries in its folder to load first.</param>
    public static IEnumerable<Candidate> Candidates(IReadOnlyList<string> names, bool useToolkitFolders, Func<string, IReadOnlyList<string>>? prerequisites = null)
    {
        var overrides = OverrideFolders();
        var toolkit = useToolkitFolders ? ToolkitFolders() : [];
        foreach (var name in names)
        {
            foreach (var folder in overrides)
            {
                yield return InFolder(folder, name, prerequisites);
            }
            yield return new Candidate(name, false, []);
            foreach (var folder in toolkit)
            {
                yield return InFolder(folder, name, prerequisites);
            }
        }
    }

    private static Candidate InFolder(string folder, string name, Func<string, IReadOnlyList<string>>? prerequisites)
    {
        var before = new List<string>();
        foreach (var pattern in prerequisites?.Invoke(name) ?? [])
        {
            before.AddRange(SafeFiles(folder, pattern));
        }
        return new Candidate(Path.Combine(folder, name), true, before);
    }

    /// <summary>The <c>lib64</c> folders of every versioned toolkit in <paramref name="parent"/> (cuda-13.0, cuda-12.4, ...), newest version first.</summary>
    internal static IReadOnlyList<string> VersionedToolkits(string parent) =>
        SafeDirectories(parent, "cuda-*")
            .Select(d => (Folder: d, Version: ToolkitVersion(Path.GetFileName(d)["cuda-".Length..])))
            .Where(t => t.Version is not null)
            .OrderByDescending(t => t.Version)
            .Select(t => Path.Combine(t.Folder, "lib64"))
            .ToList();

    /// <summary>"12.4" or "13" as a version; null for anything else.</summary>
    private static Version? ToolkitVersion(string text) =>
        Version.TryParse(text.Contains('.', StringComparison.Ordinal) ? text : text + ".0", out var version) ? version : null;

    private static IEnumerable<string> PythonSitePackages()
    {
        var roots = new List<string>();
        foreach (var prefix in new[] { Environment.GetEnvironmentVariable("VIRTUAL_ENV"), Environment.GetEnvironmentVariable("CONDA_PREFIX"), "/usr/local", "/usr", "/opt/conda" })
        {
            if (!string.IsNullOrEmpty(prefix))
            {
                roots.AddRange(LibFolders(prefix));
            }
        }
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (!string.IsNullOrEmpty(home))
        {
            roots.AddRange(LibFolders(Path.Combine(home, ".local")));
            roots.AddRange(SafeDirectories(Path.Combine(home, ".pyenv", "versions")).SelectMany(LibFolders));
        }
        var sites = new List<string>();
        foreach (var root in roots)
        {
            foreach (var python in SafeDirectories(root, "python3*"))
            {
                sites.Add(Path.Combine(python, "site-packages"));
                sites.Add(Path.Combine(python, "dist-packages"));
            }
        }
        sites.Add("/usr/lib/python3/dist-packages");
        sites.AddRange((Environment.GetEnvironmentVariable("PYTHONPATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        return sites.Where(Directory.Exists);
    }

    /// <summary><paramref name="prefix"/>/lib and /lib64, the latter unless it is a link to the former (as in a Python venv).</summary>
    private static IEnumerable<string> LibFolders(string prefix)
    {
        string lib = Path.Combine(prefix, "lib"), lib64 = Path.Combine(prefix, "lib64");
        yield return lib;
        if (!IsLinkTo(lib64, lib))
        {
            yield return lib64;
        }
    }

    private static bool IsLinkTo(string link, string folder)
    {
        try
        {
            var target = new DirectoryInfo(link).ResolveLinkTarget(returnFinalTarget: true);
            return target is not null && Path.TrimEndingDirectorySeparator(target.FullName) == Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static IEnumerable<string> SafeDirectories(string folder, string pattern = "*")
    {
        try
        {
            return Directory.Exists(folder) ? Directory.GetDirectories(folder, pattern).Order(StringComparer.Ordinal) : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static IEnumerable<string> SafeFiles(string folder, string pattern)
    {
        try
        {
            return Directory.Exists(folder) ? Directory.GetFiles(folder, pattern).Order(StringComparer.Ordinal) : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
