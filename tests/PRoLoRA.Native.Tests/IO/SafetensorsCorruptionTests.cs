using PRoLoRA.Native.IO;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.IO;

public class SafetensorsCorruptionTests
{
    private const string OneTensor = "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    private static readonly byte[] TwoFloats = RawSafetensors.Floats(1f, 2f);

    private static IEnumerable<TestCaseData> Corruptions()
    {
        TestCaseData Case(string name, byte[] bytes, string problem) => new TestCaseData(bytes, problem).SetName($"Rejects_{name}");

        yield return Case("ShorterThanTheSizeField", [1, 2, 3], "too short for the 8-byte header size");
        yield return Case("HeaderSizeBeyondTheFile", RawSafetensors.Build(OneTensor, TwoFloats, headerSize: 10_000), "runs past the end of the file");
        yield return Case("AbsurdHeaderSize", RawSafetensors.Build(OneTensor, TwoFloats, headerSize: 1UL << 40), "is absurd");
        yield return Case("HeaderNotJson", RawSafetensors.Build("{\"x\": oops}", []), "header: not valid JSON");
        yield return Case("HeaderNotAnObject", RawSafetensors.Build("[1, 2]", []), "must be a JSON object");
        yield return Case("HeaderNotUtf8", [.. RawSafetensors.Build("{}", []).Take(8).Select((b, i) => i == 0 ? (byte)3 : b), (byte)'{', 0xFF, (byte)'}'], "not valid UTF-8");
        yield return Case("UnknownDtype", RawSafetensors.Build(OneTensor.Replace("F32", "Q7"), TwoFloats), "unknown dtype 'Q7'");
        yield return Case("ShapeSizeMismatch", RawSafetensors.Build(OneTensor.Replace("[2]", "[3]"), TwoFloats), "shape/size mismatch");
        yield return Case("NegativeShape", RawSafetensors.Build(OneTensor.Replace("[2]", "[-2]"), TwoFloats), "must be a whole number in [0, ");
        yield return Case("OffsetsEndBeforeBegin", RawSafetensors.Build(OneTensor.Replace("[0,8]", "[8,0]"), TwoFloats), "end before they begin");
        yield return Case("OverlappingOffsets", RawSafetensors.Build(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", TwoFloats), "overlap");
        yield return Case("HoleBetweenTensors", RawSafetensors.Build(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", RawSafetensors.Floats(1f, 2f, 3f)), "leave a hole");
        yield return Case("OffsetsOutOfRange", RawSafetensors.Build(OneTensor.Replace("[2]", "[3]").Replace("[0,8]", "[0,12]"), TwoFloats), "out of range");
        yield return Case("TrailingBytes", RawSafetensors.Build(OneTensor, RawSafetensors.Floats(1f, 2f, 3f)), "trailing bytes");
        yield return Case("DuplicateNames", RawSafetensors.Build(
            "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", TwoFloats), "duplicate key 'x'");
        yield return Case("TruncatedData", RawSafetensors.Build(OneTensor, TwoFloats)[..^3], "truncated");
        yield return Case("MetadataNotStrings", RawSafetensors.Build("{\"__metadata__\":{\"n\":1}}", []), "__metadata__.n: must be a string");
        yield return Case("MissingDataOffsets", RawSafetensors.Build("{\"x\":{\"dtype\":\"F32\",\"shape\":[0]}}", []), "field 'data_offsets' is missing");
    }

    [TestCaseSource(nameof(Corruptions))]
    public void ACorruptFile_IsRejected_NamingTheFileAndTheProblem(byte[] bytes, string problem)
    {
        using var dir = new TempFolder();
        var path = dir.File("bad.safetensors");
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.That(e!.Message, Does.Contain(path).And.Contain(problem));
    }

    [Test]
    public void AValidTwin_OfTheCorruptFiles_IsAccepted()
    {
        using var dir = new TempFolder();
        var path = dir.File("good.safetensors");
        File.WriteAllBytes(path, RawSafetensors.Build(OneTensor, TwoFloats));
        using var file = SafetensorsFile.Open(path);
        Assert.That(file.ReadFloat32("x"), Is.EqualTo(new[] { 1f, 2f }));
    }

    [Test]
    public void AMissingTensor_IsAnInvalidDataExceptionNamingIt()
    {
        using var dir = new TempFolder();
        var path = dir.File("good.safetensors");
        File.WriteAllBytes(path, RawSafetensors.Build(OneTensor, TwoFloats));
        using var file = SafetensorsFile.Open(path);
        Assert.That(Assert.Throws<InvalidDataException>(() => file.ReadFloat32("y"))!.Message, Does.Contain("no tensor 'y'"));
    }
}
