using System.Text.Json;
using PRoLoRA.Bench;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Backends.Cuda;
using PRoLoRA.Native.Tests.Cuda;
using PRoLoRA.Native.Tests.HostKernels;
using CudaProbe = PRoLoRA.Native.Cuda.CudaRuntime;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Bench;

/// <summary>
/// The benchmark runs end to end on toy sizes and writes a well-formed report. No timing is asserted:
/// these tests prove the paths work, not how fast they are.
/// </summary>
public class BenchCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = BenchCommand.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Test]
    public void Distributed_Tiny_CountsTheBytesOfEachMethodAndTimesTwoMpiRanksAgainstOneProcess()
    {
        PRoLoRA.Native.Tests.Distributed.Mpirun.Require();

        var (code, output, error) = Run("distributed", "--tiny");

        Assert.That(code, Is.Zero, error);
        Assert.That(output, Does.Match(@"shipped llama-base\s+prolora r=8, u=1, m=n=7\s+16,352\s+65,408\s+1\.00×"));
        Assert.That(output, Does.Match(@"shipped llama-base\s+lora r=8 \(same rank\)\s+65,408\s+261,632\s+4\.00×"));
        Assert.That(output, Does.Match(@"llama2-7b\s+prolora r=8, u=1, m=n=7\s+4,999,520\s+19,998,080"));
        Assert.That(output, Does.Match(@"llama2-7b\s+lora r=8 \(same rank\)\s+19,988,480\s+79,953,920"));
        Assert.That(output, Does.Match(@"2 MPI ranks, batch 8 each: +\d+\.\d ms/step, of which \d+\.\d\d ms waiting for the other rank and \d+\.\d\d ms in the all-reduce of 16,354 floats"));
        Assert.That(output, Does.Match(@"distributed: 2 MPI ranks / 1 process, step time +\d+\.\d{3}"));
    }

    [Test]
    public void AllGroups_Tiny_WritesTheJsonReport()
    {
        using var folder = new TempFolder();
        string json = Path.Combine(folder.Path, "bench.json");

        var (code, output, error) = Run("all", "--tiny", "--json", json);

        Assert.That(code, Is.Zero, error);
        Assert.That(output, Does.Contain("== kernels").And.Contain("== gemm").And.Contain("== layer").And.Contain("== peers").And.Contain("== model").And.Contain("== serve")
            .And.Contain("== quant"));
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        var machine = root.GetProperty("machine");
        Assert.That(machine.GetProperty("cpu").GetString(), Is.Not.Empty);
        Assert.That(machine.GetProperty("cores").GetInt32(), Is.Positive);
        Assert.That(machine.TryGetProperty("gpu", out _), Is.True);

        var results = root.GetProperty("results").EnumerateArray().ToList();
        var groups = results.Select(r => r.GetProperty("group").GetString()).ToHashSet();
        Assert.That(groups, Is.SupersetOf(new[] { "kernels", "gemm", "layer", "model", "quant" }));
        Assert.That(groups, Does.Contain("serve"));
        Assert.That(results.Where(r => r.GetProperty("group").GetString() is "model" or "serve"), Has.All.Matches<JsonElement>(r => r.GetProperty("tokens_per_second").GetDouble() > 0));
        foreach (var r in results)
        {
            Assert.That(r.GetProperty("name").GetString(), Is.Not.Empty);
            Assert.That(r.GetProperty("shape").GetString(), Is.Not.Empty);
            Assert.That(r.GetProperty("median_ms").GetDouble(), Is.GreaterThanOrEqualTo(r.GetProperty("min_ms").GetDouble()));
            Assert.That(r.GetProperty("max_ms").GetDouble(), Is.GreaterThanOrEqualTo(r.GetProperty("median_ms").GetDouble()));
            string group = r.GetProperty("group").GetString()!;
            Assert.That(r.TryGetProperty(group == "kernels" ? "gbps" : "gflops", out _), Is.True, $"{group}: {r}");
        }

        var ratios = root.GetProperty("ratios");
        var notes = string.Join("\n", root.GetProperty("notes").EnumerateArray().Select(n => n.GetString()));
        foreach (string name in new[] { "prolora_vs_lora_same_rank", "prolora_vs_lora_same_budget", "serve_compact_vs_materialised", "serve_throughput_many_vs_one" })
        {
            Assert.That(ratios.GetProperty(name).GetDouble(), Is.Positive, name);
        }
        // Comparisons with other libraries are numbers where the library is installed, else null with a note.
        foreach (var (name, missing) in new[] { ("gemm_vs_best_blas", "gemm:"), ("gemm_vs_openblas", "gemm:"), ("adapter_vs_pytorch", "peers skipped"), ("layer_vs_pytorch", "peers skipped"),
            ("model_train_vs_pytorch", "model peers skipped"), ("model_layer_vs_pytorch", "model peers skipped") })
        {
            var value = ratios.GetProperty(name);
            if (value.ValueKind == JsonValueKind.Null)
            {
                Assert.That(notes, Does.Contain(missing), name);
            }
            else
            {
                Assert.That(value.GetDouble(), Is.Positive, name);
            }
        }
    }

    [Test]
    public void Quant_Tiny_ReportsTheProductsTheBaseBytesAndTheStep()
    {
        using var folder = new TempFolder();
        string json = Path.Combine(folder.Path, "bench.json");

        // The base bytes and the step run in child processes of the benchmark (quant-child), as at full size.
        var (code, output, error) = Run("quant", "--tiny", "--json", json);

        Assert.That(code, Is.Zero, error);
        Assert.That(output, Does.StartWith("PRoLoRA.Bench on ").And.Contain(" cores"), "the machine line");
        Assert.That(output, Does.Not.Contain("failed"));
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        var results = root.GetProperty("results").EnumerateArray().ToList();
        Assert.That(results, Has.All.Matches<JsonElement>(r => r.GetProperty("group").GetString() == "quant" && r.GetProperty("gflops").GetDouble() > 0));
        foreach (string format in new[] { "f32", "bf16", "nf4", "nf4+dq" })
        {
            // Two weights, each forward and backward.
            Assert.That(results.Count(r => r.GetProperty("name").GetString() is string name && name.StartsWith(format + " ", StringComparison.Ordinal) && name.Contains("·W", StringComparison.Ordinal)),
                Is.EqualTo(4), format);
        }
        Assert.That(results.Single(r => r.GetProperty("name").GetString()!.Contains("train step", StringComparison.Ordinal)).GetProperty("tokens_per_second").GetDouble(), Is.Positive);
        var ratios = root.GetProperty("ratios");
        foreach (string name in new[] { "quant_gemm_bf16_vs_f32", "quant_gemm_nf4_vs_f32", "quant_gemm_nf4dq_vs_f32", "quant_gemm_nf4_vs_f32[bwd dx=dy·W W 64x96]" })
        {
            Assert.That(ratios.GetProperty(name).GetDouble(), Is.Positive, name);
        }

        var memory = root.GetProperty("memory").EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!, m => m.GetProperty("bytes").GetInt64());
        long f32 = memory["f32 base"], bf16 = memory["bf16 base"], nf4 = memory["nf4 base"], nf4dq = memory["nf4+dq base"];
        // (Double quantisation's map and nested absmax, 1 KB a matrix, outweigh its savings on the toy's small matrices.)
        Assert.That(new[] { f32, bf16, nf4 }, Is.Ordered.Descending);
        Assert.That(nf4dq, Is.LessThan(bf16));
        if (OperatingSystem.IsLinux())
        {
            Assert.That(memory["nf4 train step, process peak"], Is.GreaterThanOrEqualTo(memory["nf4 train step, process after building"]));
        }
    }

    [Test]
    public void QuantGemm_QuickSizes_AreLlama7BLinears()
    {
        var plan = QuantModelPlan.For(BenchScale.Quick);
        Assert.That(plan.Config.HiddenSize, Is.EqualTo(4096));
        Assert.That(plan.Config.IntermediateSize, Is.EqualTo(11008));
        Assert.That(plan.Config.VocabularySize, Is.EqualTo(32000));
        Assert.That(QuantModelPlan.For(BenchScale.Full).Config.Layers, Is.EqualTo(32));
        // LLaMA-2-7B in float32: 6.74 billion parameters, 27 GB.
        Assert.That(QuantizedLlama.Float32Bytes(QuantizedLlama.Llama2_7B), Is.EqualTo(4L * 6_738_415_616));
    }

    [Test]
    public void GpuGroups_OverTheHostShim_RunEveryLauncherAndReport()
    {
        // CudaBackend over the host shim (the .cu kernels compiled for the CPU): the GPU groups' code paths without a GPU.
        using var backend = new CudaBackend(new HostShimDevice(HostKernelLibrary.Require()));
        using var clock = new StopwatchClock();

        var report = BenchCommand.RunGroups(backend, clock, "cuda", BenchScale.Tiny, ["kernels", "gemm", "layer", "model"], new StringWriter());

        Assert.That(report.Results.Select(r => r.Group).Distinct(), Is.EquivalentTo(new[] { "kernels", "gemm", "layer", "model" }));
        Assert.That(report.Results, Has.Exactly(2).Matches<Measurement>(r => r.Group == "model" && r.Name.StartsWith("ours", StringComparison.Ordinal)));
        Assert.That(report.Results.Where(r => r.Group == "kernels"), Has.All.Matches<Measurement>(r => r.Gbps > 0 && r.Fraction > 0));
        Assert.That(report.Results.Where(r => r.Group != "model" && r.Name.StartsWith("ours", StringComparison.Ordinal)), Has.All.Matches<Measurement>(r => r.Fraction > 0));
        Assert.That(report.Ratios["gemm_vs_cublas_best"], Is.Positive);
        Assert.That(report.Ratios["prolora_vs_lora_same_rank"], Is.Positive);
    }

    [Test]
    public void ARunCutShort_LeavesTheGroupsBeforeItInTheJson()
    {
        using var folder = new TempFolder();
        string json = Path.Combine(folder.Path, "bench.json");
        using var clock = new StopwatchClock();

        // "bogus" fails after the kernels group ran, as a kill or a crashing group would cut a run short.
        Assert.That(() => BenchCommand.RunGroups(CpuBackend.Instance, clock, "cpu", BenchScale.Tiny, ["kernels", "bogus"], new StringWriter(), json),
            Throws.ArgumentException);

        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var results = doc.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.That(results, Is.Not.Empty);
        Assert.That(results.Select(r => r.GetProperty("group").GetString()).Distinct(), Is.EqualTo(new[] { "kernels" }));
        Assert.That(doc.RootElement.GetProperty("notes").EnumerateArray().Select(n => n.GetString()), Has.Some.StartsWith("bogus failed: ArgumentException"));
        Assert.That(Directory.GetFiles(folder.Path), Is.EqualTo(new[] { json }), "no temporary file left beside it");
    }

    [TestCase("bogus")]
    [TestCase("layer", "gemm")]
    [TestCase("--device", "tpu")]
    [TestCase("--json")]
    [TestCase("--quick", "--fast")]
    public void BadArguments_ExitTwoWithUsage(params string[] args)
    {
        var (code, output, error) = Run(args);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("error:").And.Contain("usage:"));
        Assert.That(output, Is.Empty);
    }

    [TestCase("error: --url must be an http", "serve", "--url", "localhost:8000")]
    [TestCase("error: --requests belongs to 'serve --url URL'", "layer", "--requests", "4")]
    [TestCase("error: --requests needs --url URL", "serve", "--requests", "4")]
    [TestCase("error: --concurrency must be a whole number in [1, 100000], got '0'", "serve", "--url", "http://127.0.0.1:1/", "--concurrency", "0")]
    [TestCase("error: --max-tokens must be a whole number in [1, 100000], got '-3'", "serve", "--url", "http://127.0.0.1:1/", "--max-tokens", "-3")]
    [TestCase("error: --url needs a value", "serve", "--url")]
    public void BadLoadArguments_NameTheOption(string message, params string[] args)
    {
        var (code, output, error) = Run(args);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.StartWith(message).And.Contain("usage:"));
        Assert.That(output, Is.Empty);
    }

    [Test]
    public void Load_OfAnUnreachableServer_ExitsOneNamingIt()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // a free port where nothing listens
        var (code, _, error) = Run("serve", "--url", $"http://127.0.0.1:{port}/", "--requests", "2");
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.Contain($"http://127.0.0.1:{port}/: cannot list the models (GET /v1/models)"));
    }

    [Test]
    public void CudaWithoutGpu_SkipsWithTheReason()
    {
        var probe = CudaProbe.Probe();
        if (probe.Available)
        {
            Assert.Ignore("a GPU is present: the skip path does not apply");
        }
        using var folder = new TempFolder();
        string json = Path.Combine(folder.Path, "bench.json");

        var (code, output, _) = Run("kernels", "--device", "cuda", "--tiny", "--json", json);

        Assert.That(code, Is.Zero);
        Assert.That(output, Does.Contain("GPU benchmarks skipped"));
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.That(doc.RootElement.GetProperty("notes")[0].GetString(), Does.Contain("skipped"));
    }
}
