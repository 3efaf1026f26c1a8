using System.Runtime.InteropServices;

namespace PRoLoRA.Bench;

/// <summary>
/// One BLAS's cblas_sgemm, loaded by file name (benchmark only): Intel MKL (libmkl_rt.so), BLIS (libblis.so.4)
/// or OpenBLAS (libopenblas.so.0). Each is set to this process's core count, as our GEMM uses, and says
/// which file and version it resolved to. The libraries are loaded side by side; each call goes through the
/// library's own export, so their cblas_sgemm symbols do not clash.
/// </summary>
internal sealed unsafe class CblasLibrary
{
    private const int RowMajor = 101, NoTrans = 111, Trans = 112;

    /// <summary>The BLAS the benchmark looks for, strongest first: (name, ratio key, file, how to install).</summary>
    public static readonly IReadOnlyList<(string Name, string Key, string File, string Install)> Known =
    [
        ("MKL", "mkl", "libmkl_rt.so", "Debian non-free: apt-get install libmkl-rt"),
        ("BLIS", "blis", "libblis.so.4", "Debian: apt-get install libblis4-pthread"),
        ("OpenBLAS", "openblas", "libopenblas.so.0", "Debian: apt-get install libopenblas0"),
    ];

    private static readonly Dictionary<string, CblasLibrary?> Loaded = [];

    private readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _sgemm;

    private CblasLibrary(string name, string key, IntPtr handle, string file)
    {
        Name = name;
        Key = key;
        _sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)NativeLibrary.GetExport(handle, "cblas_sgemm");
        SetThreads(handle, Environment.ProcessorCount);
        Path = MappedPath(file) ?? file;
        Version = VersionOf(handle);
    }

    /// <summary>"MKL", "BLIS" or "OpenBLAS".</summary>
    public string Name { get; }

    /// <summary>The ratio suffix: gemm_vs_KEY.</summary>
    public string Key { get; }

    /// <summary>The file the loader resolved (from /proc/self/maps where there is one).</summary>
    public string Path { get; }

    /// <summary>The library's own version string (OpenBLAS: its config and the core type it chose).</summary>
    public string Version { get; }

    /// <summary>"Name version (path)", for the machine line.</summary>
    public override string ToString() => $"{Name} {Version} ({Path})";

    /// <summary>The library <paramref name="name"/> (one of <see cref="Known"/>), or null with what to install.</summary>
    public static CblasLibrary? TryLoad(string name, out string reason)
    {
        var (_, key, file, install) = Known.Single(k => k.Name == name);
        reason = $"{name} absent: {file} not found ({install})";
        lock (Loaded)
        {
            if (!Loaded.TryGetValue(name, out var library))
            {
                library = NativeLibrary.TryLoad(file, out IntPtr handle) && NativeLibrary.TryGetExport(handle, "cblas_sgemm", out _)
                    ? new CblasLibrary(name, key, handle, file)
                    : null;
                Loaded[name] = library;
            }
            return library;
        }
    }

    /// <summary>Every known BLAS that loads, and the reasons for those that do not.</summary>
    public static (List<CblasLibrary> Present, List<string> Absent) All()
    {
        var present = new List<CblasLibrary>();
        var absent = new List<string>();
        foreach (var (name, _, _, _) in Known)
        {
            if (TryLoad(name, out string reason) is { } library)
            {
                present.Add(library);
            }
            else
            {
                absent.Add(reason);
            }
        }
        return (present, absent);
    }

    /// <summary>Row-major C = alpha · op(A) · op(B) + beta · C, arguments as CpuGemm's.</summary>
    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, float[] a, int lda, float[] b, int ldb, float beta, float[] c, int ldc)
    {
        fixed (float* pa = a, pb = b, pc = c)
        {
            _sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
        }
    }

    private void SetThreads(IntPtr handle, int threads)
    {
        switch (Name)
        {
            case "MKL" when NativeLibrary.TryGetExport(handle, "MKL_Set_Num_Threads", out IntPtr f):
                ((delegate* unmanaged<int, void>)f)(threads);
                break;
            case "BLIS" when NativeLibrary.TryGetExport(handle, "bli_thread_set_num_threads", out IntPtr f):
                ((delegate* unmanaged<long, void>)f)(threads); // dim_t: 64-bit
                break;
            case "OpenBLAS" when NativeLibrary.TryGetExport(handle, "openblas_set_num_threads", out IntPtr f):
                ((delegate* unmanaged<int, void>)f)(threads);
                break;
        }
    }

    private string VersionOf(IntPtr handle)
    {
        switch (Name)
        {
            case "MKL" when NativeLibrary.TryGetExport(handle, "mkl_get_version_string", out IntPtr f):
                byte* buffer = stackalloc byte[256];
                ((delegate* unmanaged<byte*, int, void>)f)(buffer, 256);
                // "Intel(R) Math Kernel Library Version 2020.0.4 Product Build 20200917 for Intel(R) 64 ...": the version and build.
                string version = Marshal.PtrToStringAnsi((IntPtr)buffer)?.Trim() ?? "";
                int from = version.IndexOf("Version ", StringComparison.Ordinal), to = version.IndexOf(" for ", StringComparison.Ordinal);
                return from >= 0 && to > from ? version[(from + "Version ".Length)..to] : version;
            case "BLIS" when NativeLibrary.TryGetExport(handle, "bli_info_get_version_str", out IntPtr f):
                return Marshal.PtrToStringAnsi(((delegate* unmanaged<IntPtr>)f)()) ?? "";
            case "OpenBLAS":
                return $"{OpenBlasCoreType.Config(handle)?.Trim()}, {OpenBlasCoreType.Describe(OpenBlasCoreType.CoreName(handle) ?? "?")}";
            default:
                return "";
        }
    }

    /// <summary>
    /// The mapped file named like <paramref name="file"/> up to ".so" (the loader's resolution of links and alternatives:
    /// libopenblas.so.0 may be libopenblasp-r0.3.21.so).
    /// </summary>
    private static string? MappedPath(string file)
    {
        string stem = file[..file.IndexOf(".so", StringComparison.Ordinal)];
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps))
        {
            return null;
        }
        return File.ReadLines(maps).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 6 && System.IO.Path.GetFileName(f[5]).StartsWith(stem, StringComparison.Ordinal))
            .Select(f => f[5]).FirstOrDefault();
    }
}
