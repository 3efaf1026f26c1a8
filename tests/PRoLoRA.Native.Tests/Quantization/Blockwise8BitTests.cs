using PRoLoRA.Native.Quantization;

namespace PRoLoRA.Native.Tests.Quantization;

public class Blockwise8BitTests
{
    private static readonly float[] Map = DynamicMap.Signed.ToArray();

    [Test]
    public void Nearest_AgreesWithTheClosestEntry_AwayFromTies()
    {
        var rng = new Random(8);
        for (int n = 0; n < 5000; n++)
        {
            float x = (float)((rng.NextDouble() * 2) - 1);
            if (n % 3 == 0)
            {
                x *= 1e-3f;
            }
            int best = 0;
            for (int i = 1; i < 256; i++)
            {
                if (Math.Abs((double)x - Map[i]) < Math.Abs((double)x - Map[best]))
                {
                    best = i;
                }
            }
            Assert.That(Blockwise8Bit.Nearest(Map, x), Is.EqualTo(best), $"x = {x:R}");
        }
    }

    [Test]
    public void Nearest_Ends()
    {
        Assert.That(Blockwise8Bit.Nearest(Map, 1f), Is.EqualTo(255));
        Assert.That(Blockwise8Bit.Nearest(Map, -1f), Is.EqualTo(0));
        Assert.That(Blockwise8Bit.Nearest(Map, 0f), Is.EqualTo(127));
        Assert.That(Blockwise8Bit.Nearest(Map, float.NaN), Is.EqualTo(0));
    }

    [Test]
    public void Nearest_OnAMidpoint_KeepsThePivotTheSearchEndsAt()
    {
        // Between 0 (127) and 5.5e-7 (128): the search ends at 128 from above, so the tie goes up.
        Assert.That(Blockwise8Bit.Nearest(Map, (Map[127] + Map[128]) * 0.5f), Is.EqualTo(128));
        // Between 5.5e-7 (128) and 3.25e-6 (129): the search again ends at 128, so this tie goes down.
        Assert.That(Blockwise8Bit.Nearest(Map, (Map[128] + Map[129]) * 0.5f), Is.EqualTo(128));
    }

    [Test]
    public void QuantizeDequantize_HandComputedBlock()
    {
        // absmax 2: scaled -1, 0, 1, 0.5.
        var (codes, absmax) = Blockwise8Bit.Quantize([-2f, 0f, 2f, 1f], Map);
        Assert.That(absmax, Is.EqualTo(new[] { 2f }));
        Assert.That(codes[0], Is.EqualTo(0));
        Assert.That(codes[1], Is.EqualTo(127));
        Assert.That(codes[2], Is.EqualTo(255));
        Assert.That(Map[codes[3]], Is.EqualTo(0.5f).Within(0.9f / 128));
        var back = Blockwise8Bit.Dequantize(codes, absmax, Map);
        Assert.That(back, Is.EqualTo(new[] { Map[0] * 2f, 0f, 2f, Map[codes[3]] * 2f }));
    }

    [Test]
    public void NonFiniteValue_IsRejectedNamingItsIndex()
    {
        var ex = Assert.Throws<ArgumentException>(() => Blockwise8Bit.Quantize([0f, 1f, float.NaN], Map));
        Assert.That(ex!.Message, Does.StartWith("values[2] is NaN"));
    }

    [Test]
    public void AMapOfTheWrongSize_IsRejected()
        => Assert.Throws<ArgumentException>(() => Blockwise8Bit.Quantize([1f], new float[16]));
}
