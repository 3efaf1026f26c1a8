using System.Buffers.Binary;
using System.Text;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.IO;
using PRoLoRA.Native.Tensors;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.IO;

public class SafetensorsRoundTripTests
{
    [Test]
    public void F32_SaveThenLoad_IsExact_WithMetadataZeroSizedAndScalarTensors()
    {
        using var dir = new TempFolder();
        var path = dir.File("t.safetensors");
        var rng = new Random(1);
        var big = Enumerable.Range(0, 2 * 3 * 5).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        big[0] = float.Epsilon;
        big[1] = -0f;
        var writer = new SafetensorsWriter();
        writer.Add("b.weight", big, new Shape(2, 3, 5));
        writer.Add("a.empty", ReadOnlySpan<float>.Empty, new Shape(0, 7));
        writer.Add("scalar", [42.5f], new Shape());
        writer.Metadata["format"] = "pt";
        writer.Metadata["note"] = "ünïcode ✓";
        writer.Save(path);

        using var file = SafetensorsFile.Open(path);
        Assert.That(file.Metadata, Is.EqualTo(new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode ✓" }));
        Assert.That(file.Tensors.Select(t => t.Name), Is.EquivalentTo(new[] { "b.weight", "a.empty", "scalar" }));
        Assert.That(file.Info("b.weight").Shape, Is.EqualTo(new Shape(2, 3, 5)));
        Assert.That(file.Info("b.weight").DType, Is.EqualTo(SafetensorsDType.F32));
        Assert.That(file.ReadFloat32("b.weight").Select(BitConverter.SingleToInt32Bits), Is.EqualTo(big.Select(BitConverter.SingleToInt32Bits)));
        Assert.That(file.ReadFloat32("a.empty"), Is.Empty);
        Assert.That(file.Info("scalar").Shape.Rank, Is.Zero);
        Assert.That(file.ReadFloat32("scalar"), Is.EqualTo(new[] { 42.5f }));
    }

    [Test]
    public void TheWrittenHeader_IsPaddedJsonAfterALittleEndianSize()
    {
        using var dir = new TempFolder();
        var path = dir.File("t.safetensors");
        var writer = new SafetensorsWriter();
        writer.Add("x", [1f, 2f, 3f], new Shape(3), SafetensorsDType.BF16);
        writer.Save(path);
        var bytes = File.ReadAllBytes(path);
        long headerSize = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.That(headerSize % 8, Is.Zero);
        Assert.That(bytes.LongLength, Is.EqualTo(8 + headerSize + 6));
        var header = Encoding.UTF8.GetString(bytes, 8, (int)headerSize);
        Assert.That(header.TrimEnd(' '), Is.EqualTo("{\"x\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[0,6]}}"));
    }

    [Test]
    public void AHandBuiltFile_OfEveryFloatDtype_ReadsAsFloat32()
    {
        using var dir = new TempFolder();
        var path = dir.File("h.safetensors");
        // F64 [1.5, -2], F32 [0.25], F16 [1, -2] (0x3C00, 0xC000), BF16 [1, 3] (0x3F80, 0x4040); data in another order than the names.
        var data = new List<byte>();
        data.AddRange(BitConverter.GetBytes(1.5)); data.AddRange(BitConverter.GetBytes(-2.0));
        data.AddRange(BitConverter.GetBytes(0.25f));
        data.AddRange([0x00, 0x3C, 0x00, 0xC0]);
        data.AddRange([0x80, 0x3F, 0x40, 0x40]);
        var header = "{\"z\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]},"
                   + "\"__metadata__\":{\"k\":\"v\"},"
                   + "\"bf\":{\"dtype\":\"BF16\",\"shape\":[1,2],\"data_offsets\":[24,28]},"
                   + "\"y\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[16,20]},"
                   + "\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[20,24]}}   ";
        File.WriteAllBytes(path, RawSafetensors.Build(header, [.. data]));
        using var file = SafetensorsFile.Open(path);
        Assert.That(file.ReadFloat32("z"), Is.EqualTo(new[] { 1.5f, -2f }));
        Assert.That(file.ReadFloat32("y"), Is.EqualTo(new[] { 0.25f }));
        Assert.That(file.ReadFloat32("h"), Is.EqualTo(new[] { 1f, -2f }));
        Assert.That(file.ReadFloat32("bf"), Is.EqualTo(new[] { 1f, 3f }));
        Assert.That(file.Tensors.Select(t => t.Name), Is.EqualTo(new[] { "z", "y", "h", "bf" }));
        Assert.That(file.Metadata["k"], Is.EqualTo("v"));
        var t = file.ReadTensor("bf", CpuBackend.Instance);
        Assert.That(t.Shape, Is.EqualTo(new Shape(1, 2)));
    }

    [Test]
    public void IntegerTensors_AreListedAndCopiedRaw_ButDoNotReadAsFloat32()
    {
        using var dir = new TempFolder();
        var path = dir.File("i.safetensors");
        var writer = new SafetensorsWriter();
        writer.AddRaw("ids", new Shape(2), SafetensorsDType.I64, () => [.. BitConverter.GetBytes(7L), .. BitConverter.GetBytes(-1L)]);
        writer.Save(path);
        using var file = SafetensorsFile.Open(path);
        Assert.That(BitConverter.ToInt64(file.ReadBytes("ids"), 8), Is.EqualTo(-1L));
        Assert.Throws<NotSupportedException>(() => file.ReadFloat32("ids"));
    }

    [TestCase(SafetensorsDType.BF16, 1.0 / 256)]
    [TestCase(SafetensorsDType.F16, 1.0 / 2048)]
    public void HalfWidthFormats_RoundTripWithinHalfAnUlp(SafetensorsDType dtype, double relativeTolerance)
    {
        using var dir = new TempFolder();
        var path = dir.File("h.safetensors");
        var rng = new Random(7);
        // Normal numbers of both formats: ±(1 + u)·2^e, e in [-10, 10).
        var values = Enumerable.Range(0, 1000).Select(_ => (float)((rng.Next(2) * 2 - 1) * (1 + rng.NextDouble()) * Math.Pow(2, rng.Next(-10, 10)))).ToArray();
        var writer = new SafetensorsWriter();
        writer.Add("x", values, new Shape(10, 100), dtype);
        writer.Save(path);
        using var file = SafetensorsFile.Open(path);
        Assert.That(file.Info("x").DType, Is.EqualTo(dtype));
        Assert.That(file.Info("x").ByteLength, Is.EqualTo(2000));
        var back = file.ReadFloat32("x");
        for (int i = 0; i < values.Length; i++)
        {
            Assert.That(back[i], Is.EqualTo(values[i]).Within(Math.Abs(values[i]) * relativeTolerance), $"element {i}");
        }
        Assert.That(back, Is.Not.EqualTo(values), "the narrow format must actually round");
    }

    [Test]
    public void ASecondAddOfTheSameName_OrAWrongElementCount_IsRejected()
    {
        var writer = new SafetensorsWriter();
        writer.Add("x", [1f], new Shape(1));
        Assert.Throws<ArgumentException>(() => writer.Add("x", [1f], new Shape(1)));
        Assert.Throws<ArgumentException>(() => writer.Add("y", [1f, 2f], new Shape(3)));
        Assert.Throws<ArgumentException>(() => writer.Add("__metadata__", [1f], new Shape(1)));
        Assert.Throws<ArgumentException>(() => writer.Add("i", [1f], new Shape(1), SafetensorsDType.I32));
    }

    [Test]
    public void ASaveThatFailsMidway_LeavesThePreviousFileIntact_AndNoTemporaryFile()
    {
        using var dir = new TempFolder();
        var path = dir.File("model.safetensors");
        var first = new SafetensorsWriter();
        first.Add("x", [1f, 2f], new Shape(2));
        first.Save(path);
        var before = File.ReadAllBytes(path);

        var failing = new SafetensorsWriter();
        failing.Add("a", new float[100_000], new Shape(100_000));
        failing.AddLazy("b", new Shape(1), SafetensorsDType.F32, () => throw new IOException("disk on fire"));
        Assert.That(Assert.Throws<IOException>(() => failing.Save(path))!.Message, Is.EqualTo("disk on fire"));

        Assert.That(File.ReadAllBytes(path), Is.EqualTo(before));
        Assert.That(Directory.GetFileSystemEntries(dir.Path), Is.EqualTo(new[] { path }));
    }
}
