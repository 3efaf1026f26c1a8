using System.Text.Json;
using PRoLoRA.Bench;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Bench;

/// <summary>
/// The gemm group compares with whichever BLAS the host has (MKL, BLIS, OpenBLAS; CI may have only OpenBLAS, or none),
/// and the PyTorch peer runs on MKL where MKL is installed. No timing is asserted.
/// </summary>
public class BlasPeersTests
{
    [Test]
    public void Gemm_Tiny_ReportsEveryBlasPresentAndNamesTheAbsent()
    {
        using var folder = new TempFolder();
        string json = Path.Combine(folder.Path, "bench.json");

        int code = BenchCommand.Run(["gemm", "--tiny", "--json", json], new StringWriter(), new StringWriter());

        Assert.That(code, Is.Zero);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        var names = root.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("name").GetString()!).ToList();
        var notes = root.GetProperty("notes").EnumerateArray().Select(n => n.GetString()!).ToList();
        var ratios = root.GetProperty("ratios");
        string blasLine = root.GetProperty("machine").GetProperty("blas").GetString()!;
        Assert.That(root.GetProperty("machine").GetProperty("isa").GetString(), Is.Not.Empty);
        bool any = false;
        foreach (var (name, key, _, _) in CblasLibrary.Known)
        {
            if (CblasLibrary.TryLoad(name, out _) is not null)
            {
                any = true;
                Assert.That(names, Has.Some.StartsWith(name + " "), name);
                Assert.That(ratios.GetProperty($"gemm_vs_{key}").GetDouble(), Is.Positive, name);
                Assert.That(blasLine, Does.Contain(name + " "), name);
            }
            else
            {
                Assert.That(names, Has.None.StartsWith(name + " "), name);
                Assert.That(notes, Has.Some.StartsWith($"gemm: {name} absent"), name);
            }
        }
        var best = ratios.GetProperty(CpuGemmGroup.BestRatio);
        if (any)
        {
            Assert.That(best.GetDouble(), Is.Positive);
        }
        else
        {
            Assert.That(best.ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(notes, Has.Some.Contains("no BLAS found"));
            Assert.That(blasLine, Is.EqualTo("none found"));
        }
    }

    [Test]
    public void PyTorchPeer_WhereMklIsInstalled_RunsOnMkl()
    {
        if (CblasLibrary.TryLoad("MKL", out string absent) is null)
        {
            Assert.Ignore($"skipped: {absent}");
        }
        var peer = PeerProcess.Find("cpu", out string reason);
        if (peer is null)
        {
            Assert.Ignore($"skipped: {reason}");
        }

        var json = peer.Run("cpu", 1, LayerShape.For(BenchScale.Tiny)[0], ["base"], reps: 1, warmup: 0, TimeSpan.FromMinutes(5));

        Assert.That(json.GetProperty("blas").GetString(), Does.Contain("libmkl_rt"));
        Assert.That(PeerBlas.Choice, Does.StartWith("MKL "));
    }
}
