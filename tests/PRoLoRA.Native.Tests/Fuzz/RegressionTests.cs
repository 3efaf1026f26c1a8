namespace PRoLoRA.Native.Tests.Fuzz;

/// <summary>
/// Replays every fixture under Fuzz/Regressions/TARGET/CASE/ (inputs that once broke the contract,
/// copied to the test output) through its target, CLI included, under the same contract as the fuzzer.
/// </summary>
public class RegressionTests
{
    private static string Root => Path.Combine(AppContext.BaseDirectory, "Fuzz", "Regressions");

    public static IEnumerable<TestCaseData> Fixtures()
    {
        foreach (var target in FuzzTarget.All)
        {
            var folder = Path.Combine(Root, target.Name);
            var cases = Directory.Exists(folder) ? Directory.GetDirectories(folder).Order(StringComparer.Ordinal) : Enumerable.Empty<string>();
            foreach (var dir in cases)
            {
                yield return new TestCaseData(target.Name, Path.GetFileName(dir)).SetArgDisplayNames(target.Name, Path.GetFileName(dir));
            }
        }
    }

    [TestCaseSource(nameof(Fixtures))]
    public void Fixture_IsHandledWithinTheContract(string targetName, string fixture)
    {
        var target = FuzzTarget.ByName(targetName);
        var input = FuzzInput.ReadFrom(Path.Combine(Root, targetName, fixture), target.FileNames);
        Assert.That(input.Files, Is.Not.Empty, $"{fixture} holds none of {string.Join(", ", target.FileNames)}");
        using var scratch = new FuzzScratch();
        var result = FuzzRunner.RunCase(target, input, Path.Combine(scratch.Path, fixture), cli: true);
        Assert.That(result.Violations, Is.Empty, string.Join("\n", result.Violations));
    }

    [Test]
    public void EveryTarget_HasAtLeastOneFixture()
    {
        foreach (var target in FuzzTarget.All)
        {
            var folder = Path.Combine(Root, target.Name);
            Assert.That(Directory.Exists(folder) ? Directory.GetDirectories(folder) : [], Is.Not.Empty, $"no regression fixture for {target.Name} in {folder}");
        }
    }
}
