using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Tests.Support;
using PRoLoRA.Native.Verification;

namespace PRoLoRA.Native.Tests.Adapters;

public class GoldenTests
{
    private static IEnumerable<TestCaseData> Cases()
        => GoldenFile.Load(GoldenPath.Official).Select(c => new TestCaseData(c).SetName($"Golden_{c.Name}"));

    [Test]
    public void TheFileHoldsAllTwelveCases() => Assert.That(GoldenFile.Load(GoldenPath.Official), Has.Count.EqualTo(12));

    [TestCaseSource(nameof(Cases))]
    public void LayerAndTapeOnCpu_MatchTheOfficialImplementation(GoldenCase golden)
    {
        var results = GoldenVerifier.Verify(golden, CpuBackend.Instance);
        Assert.That(results.Select(r => r.Name), Is.EquivalentTo(GoldenVerifier.Compared));
        Assert.Multiple(() =>
        {
            foreach (var r in results)
            {
                Assert.That(r.Passed, Is.True, $"{r.Name}: max abs error {r.MaxAbsError:g3}");
            }
        });
    }
}
