using PRoLoRA.Native.Quantization;

namespace PRoLoRA.Native.Tests.Quantization;

public class BFloat16Tests
{
    [TestCase(0x3F800000u, (ushort)0x3F80)] // 1 is exact
    [TestCase(0x3F808000u, (ushort)0x3F80)] // halfway, even below: stays
    [TestCase(0x3F818000u, (ushort)0x3F82)] // halfway, odd below: up to even
    [TestCase(0x3F808001u, (ushort)0x3F81)] // past halfway: up
    [TestCase(0x3F807FFFu, (ushort)0x3F80)] // short of halfway: down
    [TestCase(0xBF818000u, (ushort)0xBF82)] // negative: the same on the magnitude
    [TestCase(0x7F7F0000u, (ushort)0x7F7F)] // the largest bf16 is exact
    [TestCase(0x7F7F7FFFu, (ushort)0x7F7F)] // short of the halfway to infinity: stays finite
    [TestCase(0x7F7F8000u, (ushort)0x7F80)] // halfway to infinity, odd below: overflows to +Inf
    [TestCase(0x7F7FFFFFu, (ushort)0x7F80)] // float.MaxValue overflows to +Inf
    [TestCase(0xFF7FFFFFu, (ushort)0xFF80)] // -float.MaxValue overflows to -Inf
    [TestCase(0x7F800000u, (ushort)0x7F80)] // +Inf stays
    [TestCase(0x80000000u, (ushort)0x8000)] // -0 keeps its sign
    [TestCase(0x00000001u, (ushort)0x0000)] // the smallest subnormal rounds to 0
    [TestCase(0x00008000u, (ushort)0x0000)] // subnormal halfway, even below: 0
    [TestCase(0x00018000u, (ushort)0x0002)] // subnormal halfway, odd below: up to even
    [TestCase(0x00010000u, (ushort)0x0001)] // the smallest bf16 subnormal is exact
    [TestCase(0x007FFFFFu, (ushort)0x0080)] // the largest subnormal rounds up to the smallest normal
    public void FromSingle_RoundsToNearestEven(uint floatBits, ushort expected)
        => Assert.That(BFloat16.FromSingle(BitConverter.UInt32BitsToSingle(floatBits)), Is.EqualTo(expected));

    [TestCase(0x7FC00000u)] // quiet NaN
    [TestCase(0x7F800001u)] // signalling NaN whose payload sits in the bits bf16 drops: must not become Inf
    [TestCase(0xFFC00000u)] // negative NaN
    public void FromSingle_KeepsNaNANaN(uint floatBits)
    {
        ushort bits = BFloat16.FromSingle(BitConverter.UInt32BitsToSingle(floatBits));
        Assert.That(float.IsNaN(BFloat16.ToSingle(bits)), Is.True);
        Assert.That(bits & 0x8000, Is.EqualTo((int)(floatBits >> 16) & 0x8000));
    }

    [Test]
    public void ToSingle_IsExact()
    {
        Assert.That(BFloat16.ToSingle(0x3F80), Is.EqualTo(1f));
        Assert.That(BFloat16.ToSingle(0x0001), Is.EqualTo(MathF.Pow(2, -133)));
        Assert.That(BFloat16.ToSingle(0xFF80), Is.EqualTo(float.NegativeInfinity));
        Assert.That(BFloat16.ToSingle(0x4049), Is.EqualTo(3.140625f));
    }

    [Test]
    public void EncodeDecode_ArraysRoundTripEveryBf16Value()
    {
        var all = Enumerable.Range(0, 65536).Select(i => (ushort)i).Where(b => (b & 0x7F80) != 0x7F80 || (b & 0x7F) == 0).ToArray();
        var floats = BFloat16.Decode(all);
        Assert.That(BFloat16.Encode(floats), Is.EqualTo(all));
        Assert.That(BFloat16.Round(1f + MathF.Pow(2, -8)), Is.EqualTo(1f));
        Assert.Throws<ArgumentException>(() => BFloat16.Encode(new float[2], new ushort[3]));
    }
}
