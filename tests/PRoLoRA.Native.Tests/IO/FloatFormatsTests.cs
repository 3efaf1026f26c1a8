using PRoLoRA.Native.IO;

namespace PRoLoRA.Native.Tests.IO;

public class FloatFormatsTests
{
    [TestCase(0x3F800000u, (ushort)0x3F80)] // 1
    [TestCase(0x3F808000u, (ushort)0x3F80)] // halfway, even below: down
    [TestCase(0x3F818000u, (ushort)0x3F82)] // halfway, odd below: up to even
    [TestCase(0x3F808001u, (ushort)0x3F81)] // just above halfway: up
    [TestCase(0x3F807FFFu, (ushort)0x3F80)] // just below halfway: down
    [TestCase(0xBF818000u, (ushort)0xBF82)] // negative, same rule on the magnitude
    [TestCase(0x7F7FFFFFu, (ushort)0x7F80)] // float.MaxValue rounds to +inf
    [TestCase(0x7F800000u, (ushort)0x7F80)] // +inf stays
    [TestCase(0x00000001u, (ushort)0x0000)] // smallest subnormal rounds to zero
    public void ToBFloat16_RoundsToNearestEven(uint floatBits, ushort expected)
        => Assert.That(FloatFormats.ToBFloat16(BitConverter.UInt32BitsToSingle(floatBits)), Is.EqualTo(expected));

    [Test]
    public void ToBFloat16_KeepsNaNANaN()
    {
        ushort bits = FloatFormats.ToBFloat16(BitConverter.UInt32BitsToSingle(0x7F800001u));
        Assert.That(float.IsNaN(FloatFormats.FromBFloat16(bits)), Is.True);
    }

    [Test]
    public void F16_RoundsToNearestEven()
    {
        // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: rounds to 1 (even).
        var bytes = new byte[4];
        FloatFormats.Encode([1f + MathF.Pow(2, -11), 1f + (3 * MathF.Pow(2, -11))], SafetensorsDType.F16, bytes);
        var back = new float[2];
        FloatFormats.Decode(bytes, SafetensorsDType.F16, back);
        Assert.That(back, Is.EqualTo(new[] { 1f, 1f + MathF.Pow(2, -9) }));
    }
}
