using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.HostKernels;

/// <summary>
/// libprolora_host_kernels.so: the kernels of cuda/ compiled as C++ with the host shim (cuda/host/).
/// Found through <see cref="PathVariable"/> (a file path) or, by default, in build/host-kernels/ of
/// the repository that holds the test assembly. Loaded once per test run and never unloaded.
/// </summary>
internal sealed unsafe class HostKernelLibrary
{
    /// <summary>Environment variable with the full path of the library, overriding the search.</summary>
    public const string PathVariable = "PROLORA_HOST_KERNELS";

    /// <summary>The library's file name.</summary>
    public const string FileName = "libprolora_host_kernels.so";

    private static readonly Lazy<(HostKernelLibrary? Library, string Problem)> Loaded = new(Load);

    private const int ErrorCapacity = 4096;

    private readonly delegate* unmanaged<byte*, uint*, uint*, uint, void**, byte*, int, int> _launch;
    private readonly delegate* unmanaged<nuint, void*> _malloc;
    private readonly delegate* unmanaged<void*, void> _free;
    private readonly delegate* unmanaged<int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _sgemm;
    private readonly delegate* unmanaged<int, int, int, int, int, float, float*, int, long, float*, int, long, float, float*, int, long, int, void> _sgemmStridedBatched;

    private HostKernelLibrary(string path, IntPtr launch, IntPtr malloc, IntPtr free, IntPtr sgemm, IntPtr sgemmStridedBatched)
    {
        Path = path;
        _launch = (delegate* unmanaged<byte*, uint*, uint*, uint, void**, byte*, int, int>)launch;
        _malloc = (delegate* unmanaged<nuint, void*>)malloc;
        _free = (delegate* unmanaged<void*, void>)free;
        _sgemm = (delegate* unmanaged<int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)sgemm;
        _sgemmStridedBatched = (delegate* unmanaged<int, int, int, int, int, float, float*, int, long, float*, int, long, float, float*, int, long, int, void>)sgemmStridedBatched;
    }

    /// <summary>Where the library was loaded from.</summary>
    public string Path { get; }

    /// <summary>The library, or the current test skips (fails under PROLORA_REQUIRE_KERNEL_CHECKS=1) with the reason.</summary>
    public static HostKernelLibrary Require()
    {
        var (library, problem) = Loaded.Value;
        if (library is null)
        {
            Requirements.Missing(Requirements.KernelChecksVariable, problem);
            throw new UnreachableException();
        }
        return library;
    }

    /// <summary>
    /// prolora_host_launch: null when the kernel ran, else why not (no kernel of that name, or the
    /// sanitizer's report: an invalid access, a divergent barrier, a shared-memory race, ...).
    /// </summary>
    public string? Launch(string kernel, (int X, int Y, int Z) grid, (int X, int Y, int Z) block, int sharedBytes, void** arguments)
    {
        byte[] name = Encoding.UTF8.GetBytes(kernel + "\0");
        uint* g = stackalloc uint[] { (uint)grid.X, (uint)grid.Y, (uint)grid.Z };
        uint* b = stackalloc uint[] { (uint)block.X, (uint)block.Y, (uint)block.Z };
        byte* error = stackalloc byte[ErrorCapacity];
        error[0] = 0;
        int status;
        fixed (byte* p = name)
        {
            status = _launch(p, g, b, (uint)sharedBytes, arguments, error, ErrorCapacity);
        }
        return status switch
        {
            0 => null,
            -1 => $"the host-kernel library {Path} has no kernel '{kernel}'",
            _ => Marshal.PtrToStringUTF8((IntPtr)error),
        };
    }

    /// <summary>prolora_host_malloc: guarded "device" memory (at least one byte).</summary>
    public IntPtr Allocate(long bytes) => (IntPtr)_malloc((nuint)bytes);

    /// <summary>prolora_host_free.</summary>
    public void Free(IntPtr pointer) => _free((void*)pointer);

    /// <summary>prolora_host_sgemm: cuBLAS column-major SGEMM.</summary>
    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, IntPtr a, int lda, IntPtr b, int ldb, float beta, IntPtr c, int ldc)
        => _sgemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, (float*)a, lda, (float*)b, ldb, beta, (float*)c, ldc);

    /// <summary>prolora_host_sgemm_strided_batched: cuBLAS's column-major strided batch of SGEMMs.</summary>
    public void SgemmStridedBatched(bool transA, bool transB, int m, int n, int k, float alpha, IntPtr a, int lda, long strideA, IntPtr b, int ldb, long strideB,
        float beta, IntPtr c, int ldc, long strideC, int batch)
        => _sgemmStridedBatched(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, (float*)a, lda, strideA, (float*)b, ldb, strideB, beta, (float*)c, ldc, strideC, batch);

    private static (HostKernelLibrary? Library, string Problem) Load()
    {
        string? path = Environment.GetEnvironmentVariable(PathVariable);
        string howToBuild;
        if (!string.IsNullOrEmpty(path))
        {
            howToBuild = $"fix {PathVariable}, or unset it to use build/host-kernels/ of the repository";
        }
        else
        {
            string? root = RepositoryRoot.TryFind();
            if (root is null)
            {
                return (null, $"host-kernel library not found: no folder above {AppContext.BaseDirectory} holds PRoLoRA.Native.sln; set {PathVariable} to the path of {FileName}");
            }
            string buildDir = System.IO.Path.Combine(root, "build", "host-kernels");
            path = System.IO.Path.Combine(buildDir, FileName);
            howToBuild = $"build it with `cmake -S {root} -B {buildDir} && cmake --build {buildDir}` (the test project's build does this when cmake is installed), or set {PathVariable}";
        }
        if (!File.Exists(path))
        {
            return (null, $"host-kernel library {path} does not exist; {howToBuild}");
        }
        if (!NativeLibrary.TryLoad(path, out IntPtr handle))
        {
            return (null, $"host-kernel library {path} could not be loaded; {howToBuild}");
        }
        if (!NativeLibrary.TryGetExport(handle, "prolora_host_launch", out IntPtr launch)
            || !NativeLibrary.TryGetExport(handle, "prolora_host_malloc", out IntPtr malloc)
            || !NativeLibrary.TryGetExport(handle, "prolora_host_free", out IntPtr free)
            || !NativeLibrary.TryGetExport(handle, "prolora_host_sgemm", out IntPtr sgemm)
            || !NativeLibrary.TryGetExport(handle, "prolora_host_sgemm_strided_batched", out IntPtr sgemmStridedBatched))
        {
            return (null, $"host-kernel library {path} lacks prolora_host_launch, _malloc, _free, _sgemm or _sgemm_strided_batched (an older build?); {howToBuild}");
        }
        return (new HostKernelLibrary(path, launch, malloc, free, sgemm, sgemmStridedBatched), string.Empty);
    }
}
