using System.Text;
using PRoLoRA.Native.IO.Input;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.IO.Input;

public class JsonInputTests
{
    private static JsonField Parse(string json) => JsonInput.Parse("cfg.json", Encoding.UTF8.GetBytes(json));

    private static void Rejects(string json, params string[] mentions)
    {
        var e = Assert.Throws<InvalidDataException>(() => Parse(json));
        Assert.That(e!.Message, Does.StartWith("cfg.json: "));
        foreach (var m in mentions)
        {
            Assert.That(e.Message, Does.Contain(m));
        }
    }

    [TestCase("{\"a\\ud800\": 1}", "a key is not valid text")]
    [TestCase("{\"a\": \"\\udc00\"}", "a: a string is not valid text")]
    [TestCase("{\"m\": {\"x.y\": [\"ok\", \"\\ud800\"]}}", "m['x.y'][1]: a string is not valid text")]
    [TestCase("{\"a\": 1, \"a\": 2}", "duplicate key 'a'")]
    [TestCase("{\"m\": {\"b\": 1, \"b\": 1}}", "m: duplicate key 'b'")]
    [TestCase("{\"a\": 1", "not valid JSON")]
    public void TextThatFailsLate_IsRejectedUpFront(string json, string problem) => Rejects(json, problem);

    [Test]
    public void InvalidUtf8InAString_IsRejected()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"a\": \"xx\"}");
        bytes[7] = 0xFF;
        var e = Assert.Throws<InvalidDataException>(() => JsonInput.Parse("cfg.json", bytes));
        Assert.That(e!.Message, Does.StartWith("cfg.json: "));
    }

    [Test]
    public void NestingDeeperThanTheLimit_IsRejected()
    {
        int depth = InputLimits.JsonDepth + 1;
        Rejects(new string('[', depth) + new string(']', depth), "not valid JSON");
        Assert.That(() => Parse(new string('[', depth - 1) + new string(']', depth - 1)), Throws.Nothing);
    }

    [Test]
    public void TypedAccessors_NameTheFieldAndWhatTheyGot()
    {
        var root = Parse("""{"r": 1.5, "big": 1e30, "inf": 1e309, "f": 1e39, "s": "x", "b": "true", "arr": [1, "x"], "m": {"q.k": {"r": -3}}, "n": null}""");
        Assert.That(() => root["r"].Int32(), Throws.TypeOf<InvalidDataException>().With.Message.EqualTo("cfg.json: r: must be a whole number, got 1.5"));
        Assert.That(() => root["big"].Int64(), Throws.TypeOf<InvalidDataException>().With.Message.Contains("got 1e30"));
        Assert.That(() => root["inf"].Double(), Throws.TypeOf<InvalidDataException>().With.Message.Contains("inf: must be a finite number"));
        Assert.That(() => root["f"].Single(), Throws.TypeOf<InvalidDataException>().With.Message.Contains("within float32's range"));
        Assert.That(() => root["s"].Int32(), Throws.TypeOf<InvalidDataException>().With.Message.Contains("got \"x\""));
        Assert.That(() => root["b"].Bool(), Throws.TypeOf<InvalidDataException>().With.Message.Contains("b: must be true or false"));
        Assert.That(() => root["arr"].Items(3), Throws.TypeOf<InvalidDataException>().With.Message.Contains("arr: must have 3 items, found 2"));
        Assert.That(() => root["arr"].Doubles(), Throws.TypeOf<InvalidDataException>().With.Message.Contains("arr[1]: must be a finite number, got \"x\""));
        Assert.That(() => root["m"]["q.k"]["r"].Int32(min: 0), Throws.TypeOf<InvalidDataException>().With.Message.EqualTo("cfg.json: m['q.k'].r: must be a whole number >= 0, got -3"));
        Assert.That(() => root["missing"], Throws.TypeOf<InvalidDataException>().With.Message.EqualTo("cfg.json: field 'missing' is missing"));
        Assert.That(() => root["s"]["x"], Throws.TypeOf<InvalidDataException>().With.Message.Contains("s: must be a JSON object, got \"x\""));
        Assert.That(root.Optional("n"), Is.Null, "JSON null reads as absent");
        Assert.That(root["m"]["q.k"]["r"].Int32(), Is.EqualTo(-3));
    }

    [Test]
    public void Load_ReadsOnlyRegularFilesOfBoundedSize()
    {
        using var dir = new TempFolder();
        var path = dir.File("c.json");
        File.WriteAllText(path, "{\"a\": [1, 2, 3]}");
        Assert.That(JsonInput.Load(path)["a"].Doubles(), Is.EqualTo(new[] { 1.0, 2.0, 3.0 }));
        Assert.That(() => JsonInput.Load(path, maxBytes: 10), Throws.TypeOf<InvalidDataException>().With.Message.Contains("more than the 10"));
        Assert.That(() => JsonInput.Load(dir.Path), Throws.InstanceOf<IOException>().With.Message.Contains("is a folder"));
    }
}
