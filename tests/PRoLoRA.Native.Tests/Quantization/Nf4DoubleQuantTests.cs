using PRoLoRA.Native.Quantization;

namespace PRoLoRA.Native.Tests.Quantization;

public class Nf4DoubleQuantTests
{
    // The dynamic map's widest gap is between its top entries (0.9/64 in decade 6), so a centred
    // absmax comes back within half of it times its nested block's absmax (plus float rounding).
    private const float HalfWidestGap = 0.9f / 128;

    [Test]
    public void HandComputed_OffsetIsTheMean_AndTheEndsMapToTheMapEnds()
    {
        // Mean 2; centred -1, 0, 1; nested absmax 1; codes 0, 127, 255.
        var dq = Nf4DoubleQuant.Compress([1f, 2f, 3f]);
        Assert.That(dq.Offset, Is.EqualTo(2f));
        Assert.That(dq.NestedAbsmax, Is.EqualTo(new[] { 1f }));
        Assert.That(dq.Codes, Is.EqualTo(new byte[] { 0, 127, 255 }));
        Assert.That(dq.Map, Is.EqualTo(DynamicMap.Signed.ToArray()));
        Assert.That(dq.Decompress(), Is.EqualTo(new[] { DynamicMap.Signed[0] + 2f, 2f, 3f }));
    }

    [Test]
    public void EqualAbsmaxValues_ComeBackExactly()
    {
        var absmax = Enumerable.Repeat(0.375f, 300).ToArray();
        var dq = Nf4DoubleQuant.Compress(absmax);
        Assert.That(dq.NestedAbsmax, Is.EqualTo(new[] { 0f, 0f }));
        Assert.That(dq.Decompress(), Is.EqualTo(absmax));
    }

    [Test]
    public void RoundTrip_IsWithinHalfTheWidestMapGapTimesTheNestedAbsmax()
    {
        var rng = new Random(256);
        var absmax = Enumerable.Range(0, 1000).Select(_ => 0.01f + (float)rng.NextDouble() * 2f).ToArray();
        var dq = Nf4DoubleQuant.Compress(absmax);
        Assert.That(dq.NestedAbsmax, Has.Length.EqualTo(4)); // 3 full blocks of 256 and one of 232
        Assert.That(dq.Offset, Is.EqualTo(absmax.Average(a => (double)a)).Within(1e-6));
        var back = dq.Decompress();
        for (int i = 0; i < absmax.Length; i++)
        {
            float bound = (HalfWidestGap * dq.NestedAbsmax[i / 256]) + 1e-6f;
            Assert.That(back[i], Is.EqualTo(absmax[i]).Within(bound), $"absmax[{i}]");
        }
    }

    [Test]
    public void Nf4WithDoubleQuantisation_StaysCloseToPlainNf4()
    {
        var rng = new Random(4);
        var values = Enumerable.Range(0, (64 * 3000) + 17).Select(_ => (float)((rng.NextDouble() * 2) - 1) * (1 + rng.Next(4))).ToArray();
        var plain = Nf4.Quantize(values);
        var compressed = Nf4.Quantize(values, doubleQuantize: true);
        Assert.That(compressed.Absmax, Is.Null);
        Assert.That(compressed.QuantizedAbsmax, Is.Not.Null);
        Assert.That(compressed.Packed, Is.EqualTo(plain.Packed));
        Assert.That(compressed.StorageBytes, Is.LessThan(plain.StorageBytes));
        var nested = compressed.QuantizedAbsmax!.NestedAbsmax;
        var a = Nf4.Dequantize(plain);
        var b = Nf4.Dequantize(compressed);
        // |code| ≤ 1, so a value moves no more than its block's absmax does.
        int worst = -1;
        float worstExcess = 0f;
        for (int i = 0; i < values.Length; i++)
        {
            float excess = MathF.Abs(b[i] - a[i]) - ((HalfWidestGap * nested[i / 64 / 256]) + 1e-5f);
            if (excess > worstExcess)
            {
                (worst, worstExcess) = (i, excess);
            }
        }
        Assert.That(worst, Is.EqualTo(-1), $"value {worst} is {worstExcess} beyond the bound");
    }

    [Test]
    public void StoredForm_IsCheckedForConsistentLengths()
    {
        Assert.Throws<ArgumentException>(() => _ = new Nf4DoubleQuant(new byte[300], new float[1], DynamicMap.Create(), 0f));
        Assert.Throws<ArgumentException>(() => _ = new Nf4DoubleQuant(new byte[3], new float[1], new float[255], 0f));
    }
}
