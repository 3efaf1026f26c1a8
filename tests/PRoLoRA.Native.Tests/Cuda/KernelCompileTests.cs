using System.Text;
using PRoLoRA.Native.Cuda;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Cuda;

/// <summary>
/// NVRTC compiles every kernel of cuda/ (embedded in the assembly) for sm_80 and sm_90, to cubin and
/// to PTX; compile errors carry NVRTC's log; the disk cache hits and survives corruption. NVRTC runs
/// without a GPU, so these run in CI.
/// </summary>
public sealed class KernelCompileTests : NvrtcFixture
{

    public static IEnumerable<TestCaseData> Targets() =>
        from arch in new[] { 80, 90 }
        from cubin in new[] { true, false }
        select new TestCaseData(arch, cubin).SetArgDisplayNames(new KernelTarget(arch, cubin).ToString());

    [Test]
    public void EveryKernelFile_IsEmbedded()
    {
        var names = KernelSources.All.Select(s => s.FileName).ToList();
        Assert.That(names, Does.Contain("common.cuh").And.Contain("broadcast_roll.cu").And.Contain("elementwise.cu"));
        var onDisk = Directory.GetFiles(RepositoryCudaFolder(), "*.cu*").Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.That(names, Is.EqualTo(onDisk));
    }

    [TestCaseSource(nameof(Targets))]
    public void EveryKernel_Compiles(int arch, bool cubin)
    {
        var target = new KernelTarget(arch, cubin);
        var compiled = Compiler().CompileAll(target);
        Assert.That(compiled, Has.Count.EqualTo(KernelSources.Programs.Count).And.Count.GreaterThanOrEqualTo(6));
        foreach (var kernel in compiled)
        {
            Assert.That(kernel.Image, Is.Not.Empty, kernel.FileName);
            if (target.Cubin)
            {
                Assert.That(kernel.Image.AsSpan(0, 4).ToArray(), Is.EqualTo(new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F' }), $"{kernel.FileName} is an ELF cubin");
            }
            else
            {
                var ptx = Encoding.UTF8.GetString(kernel.Image);
                Assert.That(ptx, Does.Contain($".target sm_{target.Arch}"), kernel.FileName);
                Assert.That(kernel.Image[^1], Is.Zero, "PTX is NUL-terminated for cuModuleLoadDataEx");
            }
        }
    }

    /// <summary>Every extern "C" kernel the .cu files declare (the names the launchers and the host shim's table use) is an unmangled PTX entry.</summary>
    [Test]
    public void EveryDeclaredKernel_IsAnUnmangledEntry()
    {
        var kernels = KernelSources.Programs
            .SelectMany(p => System.Text.RegularExpressions.Regex.Matches(p.Text, @"extern ""C"" __global__ void (\w+)\(").Select(m => m.Groups[1].Value))
            .ToList();
        Assert.That(kernels, Does.Contain("broadcast_roll").And.Contain("broadcast_roll_grad_chunk").And.Contain("softmax_cross_entropy"));
        var ptx = string.Join("\n", Compiler().CompileAll(new KernelTarget(90, false)).Select(k => Encoding.UTF8.GetString(k.Image)));
        foreach (var kernel in kernels)
        {
            Assert.That(ptx, Does.Contain($".entry {kernel}("), $"kernel {kernel} (extern \"C\", unmangled)");
        }
    }

    [Test]
    public void BrokenSource_ThrowsWithNvrtcLog()
    {
        var broken = new KernelSource("broken.cu", "#include \"common.cuh\"\nextern \"C\" __global__ void broken(float* x) {\n    x[0] = undefined_name;\n}\n");
        var e = Assert.Throws<CudaException>(() => Compiler().Compile(broken, new KernelTarget(90, true)));
        Assert.That(e!.Call, Is.EqualTo("nvrtcCompileProgram"));
        Assert.That(e.Message, Does.Contain("NVRTC_ERROR_COMPILATION"));
        Assert.That(e.Message, Does.Contain("broken.cu(3)").And.Contain("undefined_name"));
        Assert.That(e, Is.InstanceOf<ProLoraException>());
    }

    [Test]
    public void MissingHeader_ThrowsWithNvrtcLog()
    {
        var source = new KernelSource("needs_header.cu", "#include \"absent.cuh\"\nextern \"C\" __global__ void k() {}\n");
        var e = Assert.Throws<CudaException>(() => Compiler().Compile(source, new KernelTarget(80, true)));
        Assert.That(e!.Message, Does.Contain("absent.cuh"));
    }

    [Test]
    public void HeadersArePassedInMemory()
    {
        var header = new KernelSource("answer.cuh", "#define ANSWER 42.0f\n");
        var source = new KernelSource("uses_header.cu", "#include \"answer.cuh\"\nextern \"C\" __global__ void k(float* x) { x[0] = ANSWER; }\n");
        var kernel = Compiler([header]).Compile(source, new KernelTarget(90, false));
        Assert.That(Encoding.UTF8.GetString(kernel.Image), Does.Contain(".entry k("));
    }

    [Test]
    public void Cache_HitsTheSecondTime()
    {
        var source = KernelSources.Programs.First(s => s.FileName == "elementwise.cu");
        var target = new KernelTarget(90, true);
        var first = Compiler().Compile(source, target);
        var second = Compiler().Compile(source, target);
        Assert.That(first.FromCache, Is.False);
        Assert.That(second.FromCache, Is.True);
        Assert.That(second.Image, Is.EqualTo(first.Image));
        Assert.That(Directory.GetFiles(CacheFolder), Has.Length.EqualTo(1), "one entry, no temporary files left");
    }

    [Test]
    public void Cache_KeyDependsOnTargetAndSource()
    {
        var source = KernelSources.Programs.First(s => s.FileName == "adamw.cu");
        var compiler = Compiler();
        compiler.Compile(source, new KernelTarget(90, true));
        Assert.That(compiler.Compile(source, new KernelTarget(80, true)).FromCache, Is.False);
        Assert.That(compiler.Compile(source, new KernelTarget(90, false)).FromCache, Is.False);
        Assert.That(compiler.Compile(source with { Text = source.Text + "\n// changed\n" }, new KernelTarget(90, true)).FromCache, Is.False);
        Assert.That(Directory.GetFiles(CacheFolder), Has.Length.EqualTo(4));
    }

    [TestCase("truncate")]
    [TestCase("flip")]
    [TestCase("empty")]
    public void Cache_SurvivesACorruptEntry(string damage)
    {
        var source = KernelSources.Programs.First(s => s.FileName == "reductions.cu");
        var target = new KernelTarget(80, true);
        var good = Compiler().Compile(source, target);
        var entry = Directory.GetFiles(CacheFolder).Single();
        var bytes = File.ReadAllBytes(entry);
        switch (damage)
        {
            case "truncate":
                File.WriteAllBytes(entry, bytes[..(bytes.Length / 2)]);
                break;
            case "flip":
                bytes[^10] ^= 0xff;
                File.WriteAllBytes(entry, bytes);
                break;
            default:
                File.WriteAllBytes(entry, []);
                break;
        }
        var again = Compiler().Compile(source, target);
        Assert.That(again.FromCache, Is.False, "a corrupt entry is recompiled");
        Assert.That(again.Image, Is.EqualTo(good.Image));
        Assert.That(Compiler().Compile(source, target).FromCache, Is.True, "and rewritten");
    }

    [Test]
    public void NvrtcReportsVersionAndArchitectures()
    {
        Assert.That(KernelCompiler.NvrtcVersion, Does.Match(@"^\d+\.\d+$"));
        Assert.That(KernelCompiler.SupportedArchs, Does.Contain(80).And.Contain(90));
    }

    private static string RepositoryCudaFolder()
    {
        string? root = RepositoryRoot.TryFind();
        if (root is null || !File.Exists(Path.Combine(root, "cuda", "README.md")))
        {
            Assert.Ignore("the repository's cuda/ folder is not above the test assembly (a published bundle)");
        }
        return Path.Combine(root!, "cuda");
    }
}
