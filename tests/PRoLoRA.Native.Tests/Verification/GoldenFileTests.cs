using System.Text.Json.Nodes;
using PRoLoRA.Native.Tests.Support;
using PRoLoRA.Native.Verification;

namespace PRoLoRA.Native.Tests.Verification;

public class GoldenFileTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("prolora-golden-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, true);

    private string Write(string text)
    {
        var path = Path.Combine(_dir, "golden.json");
        File.WriteAllText(path, text);
        return path;
    }

    private static JsonNode Official() => JsonNode.Parse(File.ReadAllText(GoldenPath.Official))!;

    [Test]
    public void MissingFile()
        => Assert.That(() => GoldenFile.Load(Path.Combine(_dir, "nope.json")), Throws.TypeOf<FileNotFoundException>().With.Message.Contains("nope.json"));

    [Test]
    public void TruncatedFile()
    {
        var text = File.ReadAllText(GoldenPath.Official);
        Assert.That(() => GoldenFile.Load(Write(text[..(text.Length / 2)])), Throws.TypeOf<InvalidDataException>().With.Message.Contains("not valid JSON"));
    }

    [Test]
    public void NotJson() => Assert.That(() => GoldenFile.Load(Write("hello")), Throws.TypeOf<InvalidDataException>().With.Message.Contains("not valid JSON"));

    [Test]
    public void OtherFormat()
    {
        var doc = Official();
        doc["format"] = "something-else/2";
        Assert.That(() => GoldenFile.Load(Write(doc.ToJsonString())), Throws.TypeOf<InvalidDataException>().With.Message.Contains("'something-else/2'"));
    }

    [Test]
    public void ShapesThatDisagreeWithTheConfig()
    {
        var doc = Official();
        doc["cases"]![2]!["config"]!["reduce_a"] = 4;
        Assert.That(() => GoldenFile.Load(Write(doc.ToJsonString())),
            Throws.TypeOf<InvalidDataException>().With.Message.Contains("'chunk_a' has shape (7, 8) but the config gives (7, 4)"));
    }

    [Test]
    public void DataThatDoesNotFillItsShape()
    {
        var doc = Official();
        doc["cases"]![0]!["inputs"]!["x"]!["data"]!.AsArray().RemoveAt(0);
        Assert.That(() => GoldenFile.Load(Write(doc.ToJsonString())), Throws.TypeOf<InvalidDataException>().With.Message.Contains("'x' has shape (5, 12) but 59 values"));
    }

    [Test]
    public void InvalidConfig()
    {
        var doc = Official();
        doc["cases"]![0]!["config"]!["unshared_r"] = 9;
        Assert.That(() => GoldenFile.Load(Write(doc.ToJsonString())), Throws.TypeOf<InvalidDataException>().With.Message.Contains("invalid config").And.Message.Contains("unshared rank"));
    }

    [Test]
    public void AWrongExpectedValueFailsVerification()
    {
        var doc = Official();
        var y = doc["cases"]![3]!["expected"]!["y"]!["data"]!.AsArray();
        y[0] = y[0]!.GetValue<double>() + 0.01;
        var golden = GoldenFile.Load(Write(doc.ToJsonString()))[3];
        var results = GoldenVerifier.Verify(golden, PRoLoRA.Native.Backends.Cpu.CpuBackend.Instance);
        Assert.That(results.Single(r => r.Name == "y").Passed, Is.False);
        Assert.That(results.Where(r => r.Name != "y").All(r => r.Passed), Is.True);
    }
}
