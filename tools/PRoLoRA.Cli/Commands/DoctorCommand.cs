using System.CommandLine;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using PRoLoRA.Native.Cuda;
using PRoLoRA.Native.Distributed;

namespace PRoLoRA.Cli.Commands;

/// <summary>
/// `prolora doctor [--arch sm_XY]`: what this machine offers (runtime, SIMD, CUDA libraries and every
/// path tried or skipped with the reason, driver, devices, kernel cache; Open MPI and NCCL for data-parallel training) and whether every kernel
/// compiles for the device's architecture or for --arch; for a cubin target, then each kernel's registers, spills and memory
/// (ptxas's report) and any limit broken (<see cref="KernelResourceLimits"/>, a warning only).
/// Exit 0 when the kernels compile, 2 with the reason when they do not.
/// </summary>
public static class DoctorCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var arch = new Option<string?>("--arch") { Description = "compile the kernels for this architecture (sm_XY for a cubin, compute_XY for PTX) instead of the GPU's own" };
        var cmd = new Command("doctor", "check the runtime, the CUDA libraries and devices, and that every kernel compiles") { arch };
        cmd.SetAction(p => Run(p.InvocationConfiguration.Output, p.InvocationConfiguration.Error, p.GetValue(arch)));
        return cmd;
    }

    private static int Run(TextWriter o, TextWriter err, string? archText)
    {
        KernelTarget? requested = archText is null ? null : KernelTarget.Parse(archText);
        Runtime(o);
        Libraries(o);
        var probe = CudaRuntime.Probe();
        Devices(o, probe);
        var compiler = new KernelCompiler();
        o.WriteLine($"kernel cache: {compiler.CacheFolder}");

        if (!CudaLibraries.Nvrtc.Found)
        {
            err.WriteLine($"error: cannot compile kernels: {CudaLibraries.Nvrtc.MissingReason}");
            return Cli.BadInput;
        }
        KernelTarget target;
        if (requested is not null)
        {
            target = requested.Value;
        }
        else if (probe.Available)
        {
            target = KernelTarget.ForDevice(probe.Devices[0].Arch, KernelCompiler.SupportedArchs);
        }
        else if (Environment.GetEnvironmentVariable("PROLORA_REQUIRE_GPU") == "1")
        {
            err.WriteLine($"error: no usable GPU (PROLORA_REQUIRE_GPU=1): {probe.Reason}");
            return Cli.BadInput;
        }
        else
        {
            o.WriteLine("kernels: no GPU to compile for; pass --arch sm_XY to check that every kernel compiles");
            return 0;
        }
        return Kernels(o, err, compiler, target);
    }

    private static void Runtime(TextWriter o)
    {
        o.WriteLine($".NET: {RuntimeInformation.FrameworkDescription} ({RuntimeInformation.RuntimeIdentifier})");
        o.WriteLine($"OS: {RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture})");
        o.WriteLine($"CPU: {Environment.ProcessorCount} logical cores; Vector256 accelerated: {YesNo(Vector256.IsHardwareAccelerated)}, " +
            $"Vector512 accelerated: {YesNo(Vector512.IsHardwareAccelerated)}, Avx2: {YesNo(Avx2.IsSupported)}, Fma: {YesNo(Fma.IsSupported)}, Avx512F: {YesNo(Avx512F.IsSupported)}");
    }

    private static void Libraries(TextWriter o)
    {
        o.WriteLine($"CUDA library folders searched (besides the system loader): {string.Join(", ", CudaLibraries.SearchFolders.DefaultIfEmpty("none"))}");
        if (CudaLibraries.DriverVersion > 0)
        {
            o.WriteLine($"NVRTC and cuBLAS newer than CUDA {CudaLibraries.DriverVersion / 1000}.x are skipped: the driver supports CUDA {LibraryVersions.Driver}");
        }
        Library(o, CudaLibraries.Driver, LibraryVersions.Driver, "CUDA");
        Library(o, CudaLibraries.Nvrtc, LibraryVersions.Nvrtc, "");
        Library(o, CudaLibraries.Cublas, LibraryVersions.Cublas, "");
        Library(o, MpiLibrary.Probe, MpiLibrary.Version, "");
        Library(o, NcclLibrary.Probe, NcclLibrary.Version, "");
    }

    private static void Library(TextWriter o, LibraryProbe library, string? version, string versionPrefix)
    {
        string found = library.Found ? $"{library.FoundPath}{(version is null ? "" : $" (version {versionPrefix}{(versionPrefix.Length > 0 ? " " : "")}{version})")}" : "NOT FOUND";
        o.WriteLine($"{library.Label}: {found}");
        foreach (var attempt in library.Attempts)
        {
            o.WriteLine($"    {attempt}");
        }
        if (!library.Found)
        {
            o.WriteLine($"    {library.InstallHint}");
        }
    }

    private static void Devices(TextWriter o, CudaProbeResult probe)
    {
        if (probe.DriverVersion > 0)
        {
            o.WriteLine($"driver: supports CUDA {probe.DriverVersionText}");
        }
        if (!probe.Available)
        {
            o.WriteLine($"GPU: none usable: {probe.Reason}");
            return;
        }
        foreach (var device in probe.Devices)
        {
            o.WriteLine($"GPU: {device}");
        }
    }

    private static int Kernels(TextWriter o, TextWriter err, KernelCompiler compiler, KernelTarget target)
    {
        var archs = KernelCompiler.SupportedArchs;
        o.WriteLine($"NVRTC {NvrtcBuild.Current} supports {(archs.Count == 0 ? "(unknown)" : string.Join(" ", archs.Select(a => $"sm_{a}")))}");
        o.WriteLine($"kernels for {target} ({(target.Cubin ? "cubin" : "PTX")}), options {string.Join(' ', KernelCompiler.Options(target))}:");
        int failed = 0;
        foreach (var source in KernelSources.Programs)
        {
            try
            {
                var kernel = compiler.Compile(source, target);
                o.WriteLine($"  {source.FileName,-28} {kernel.Image.Length,10:N0} bytes{(kernel.FromCache ? " (cached)" : "")}");
            }
            catch (CudaException e)
            {
                failed++;
                o.WriteLine($"  {source.FileName,-28} FAILED");
                err.WriteLine($"error: {source.FileName} does not compile for {target}: {e.Message}");
            }
        }
        if (KernelSources.Programs.Count == 0)
        {
            err.WriteLine("error: this build embeds no kernel sources (cuda/*.cu)");
            return Cli.BadInput;
        }
        o.WriteLine(failed == 0 ? $"all {KernelSources.Programs.Count} kernel files compile for {target}" : $"{failed} of {KernelSources.Programs.Count} kernel files failed");
        if (failed > 0)
        {
            return Cli.BadInput;
        }
        Resources(o, err, compiler, target);
        return 0;
    }

    private static void Resources(TextWriter o, TextWriter err, KernelCompiler compiler, KernelTarget target)
    {
        if (!target.Cubin)
        {
            o.WriteLine($"kernel resources: none for PTX ({target}); ptxas runs in the driver. Pass --arch sm_{target.Arch} for the report");
            return;
        }
        o.WriteLine($"kernel resources on {target} (NVRTC {KernelCompiler.PtxasVerboseOption}; bytes: spills and stack per thread, static shared per block):");
        var kernels = new List<KernelResources>();
        var problems = new List<string>();
        foreach (var source in KernelSources.Programs)
        {
            try
            {
                var report = compiler.Resources(source, target);
                kernels.AddRange(report);
                problems.AddRange(KernelResourceLimits.Problems(source, report));
            }
            catch (Exception e) when (e is CudaException or FormatException)
            {
                err.WriteLine($"warning: no resource report for {source.FileName}: {e.Message}");
            }
        }
        KernelResourceTable.Write(o, kernels);
        foreach (var problem in problems)
        {
            o.WriteLine($"warning: {problem}");
        }
        if (problems.Count == 0)
        {
            o.WriteLine($"{kernels.Count} kernels: no spills, static shared memory within {KernelResourceLimits.SharedBytesPerBlock / 1024} KiB per block (or opted in)");
        }
    }

    private static string YesNo(bool value) => value ? "yes" : "no";
}
