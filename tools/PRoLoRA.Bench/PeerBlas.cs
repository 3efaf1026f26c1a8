namespace PRoLoRA.Bench;

/// <summary>
/// The BLAS the PyTorch peers run on. Debian's PyTorch links the system libblas.so.3 (OpenBLAS by default) where
/// pip's wheels ship MKL; so where MKL is installed the peer runs with MKL as its libblas.so.3: a private folder
/// holding the link libblas.so.3 → libmkl_rt.so, first on the peer's LD_LIBRARY_PATH. Nothing outside the peer changes.
/// </summary>
internal static class PeerBlas
{
    private static readonly Lazy<string?> MklFolder = new(MakeMklFolder);

    /// <summary>What the peer's libblas.so.3 is: "MKL (path)", or the reason it is the system's.</summary>
    public static string Choice { get; private set; } = "";

    /// <summary>Sets the peer's environment in <paramref name="environment"/> (MKL as libblas.so.3 where MKL is installed).</summary>
    public static void Apply(IDictionary<string, string?> environment)
    {
        string? folder = MklFolder.Value;
        if (folder is null)
        {
            return;
        }
        string? path = environment.TryGetValue("LD_LIBRARY_PATH", out string? old) ? old : null;
        environment["LD_LIBRARY_PATH"] = string.IsNullOrEmpty(path) ? folder : $"{folder}:{path}";
        // As pip's PyTorch: MKL's GNU OpenMP layer, PyTorch's own (Intel's libiomp5 next to libgomp oversubscribes the cores).
        environment["MKL_THREADING_LAYER"] = "GNU";
    }

    private static string? MakeMklFolder()
    {
        if (CblasLibrary.TryLoad("MKL", out string reason) is not { } mkl || !File.Exists(mkl.Path))
        {
            Choice = $"the system libblas.so.3 ({reason})";
            return null;
        }
        string folder = Path.Combine(Path.GetTempPath(), $"prolora-peer-blas-{Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(folder, recursive: true);
        string link = Path.Combine(folder, "libblas.so.3");
        if (!File.Exists(link))
        {
            File.CreateSymbolicLink(link, mkl.Path);
        }
        Choice = $"MKL {mkl.Version} ({mkl.Path})";
        return folder;
    }
}
