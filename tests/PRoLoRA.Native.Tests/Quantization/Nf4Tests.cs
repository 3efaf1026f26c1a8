using PRoLoRA.Native.Quantization;

namespace PRoLoRA.Native.Tests.Quantization;

public class Nf4Tests
{
    // The 16 NF4 code values as issue 14 lists them (bitsandbytes' table).
    private static readonly float[] Code =
    [
        -1f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
        -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0f,
        0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
        0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1f,
    ];

    [Test]
    public void CodeValues_AreTheSixteenListedValues()
        => Assert.That(Nf4.CodeValues.ToArray(), Is.EqualTo(Code));

    [Test]
    public void Thresholds_AreTheMidpointsOfAdjacentCodes()
    {
        // By hand: (0 + 0.07958029955625534) / 2 and (-1 + -0.6961928009986877) / 2.
        Assert.That(Nf4.Thresholds[7], Is.EqualTo(0.03979014977812767f));
        Assert.That(Nf4.Thresholds[0], Is.EqualTo(-0.84809640049934385f));
        for (int i = 0; i < 15; i++)
        {
            Assert.That(Nf4.Thresholds[i], Is.GreaterThan(Code[i]).And.LessThan(Code[i + 1]));
        }
    }

    [Test]
    public void EachCodeValueScaled_QuantisesToItsOwnIndex_AndDequantisesExactly()
    {
        var values = Code.Select(c => c * 3f).ToArray();
        var q = Nf4.Quantize(values);
        Assert.That(q.Absmax, Is.EqualTo(new[] { 3f }));
        Assert.That(q.Packed, Is.EqualTo(new byte[] { 0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF }));
        Assert.That(Nf4.Dequantize(q), Is.EqualTo(values));
    }

    [Test]
    public void ValueOnAMidpoint_TakesTheLowerCode_AsBitsandbytesStrictGreaterThan()
    {
        // absmax 1: the scale is exactly 1, so each value reaches the decision unchanged.
        float t7 = Nf4.Thresholds[7];
        float t0 = Nf4.Thresholds[0];
        float t12 = Nf4.Thresholds[12];
        float[] values = [1f, t7, MathF.BitIncrement(t7), t0, MathF.BitIncrement(t0), t12, MathF.BitIncrement(t12), MathF.BitDecrement(t12)];
        var q = Nf4.Quantize(values);
        Assert.That(q.Packed, Is.EqualTo(new byte[] { 0xF7, 0x80, 0x1C, 0xDC }));
        Assert.That(Nf4.Dequantize(q), Is.EqualTo(new[] { 1f, 0f, Code[8], -1f, Code[1], Code[12], Code[13], Code[12] }));
    }

    [Test]
    public void AllZeroBlock_HasAbsmaxZero_IndexZero_AndDequantisesToZeros()
    {
        // bitsandbytes scales by 1/absmax: 0 × ∞ is NaN, which passes no threshold, so index 0.
        var q = Nf4.Quantize(new float[64]);
        Assert.That(q.Absmax, Is.EqualTo(new[] { 0f }));
        Assert.That(q.Packed, Is.EqualTo(new byte[32]));
        Assert.That(Nf4.Dequantize(q), Is.All.EqualTo(0f));
    }

    [Test]
    public void BlockOfOneRepeatedValue_IsExact()
    {
        var positive = Nf4.Quantize(Enumerable.Repeat(7.25f, 64).ToArray());
        Assert.That(positive.Absmax, Is.EqualTo(new[] { 7.25f }));
        Assert.That(positive.Packed, Is.All.EqualTo((byte)0xFF));
        Assert.That(Nf4.Dequantize(positive), Is.All.EqualTo(7.25f));

        var negative = Nf4.Quantize(Enumerable.Repeat(-2.5f, 64).ToArray());
        Assert.That(negative.Absmax, Is.EqualTo(new[] { 2.5f }));
        Assert.That(negative.Packed, Is.All.EqualTo((byte)0x00));
        Assert.That(Nf4.Dequantize(negative), Is.All.EqualTo(-2.5f));
    }

    [Test]
    public void NegativeLargestValue_GivesAPositiveAbsmax_AndCodeMinusOne()
    {
        // absmax 4; scaled: -1 → 0, 0.5 → 12 (below 0.5017), 0.25 → 10 (below 0.2920), -0.25 → 4 (below -0.2346).
        var q = Nf4.Quantize([-4f, 2f, 1f, -1f]);
        Assert.That(q.Absmax, Is.EqualTo(new[] { 4f }));
        Assert.That(q.Packed, Is.EqualTo(new byte[] { 0x0C, 0xA4 }));
        Assert.That(Nf4.Dequantize(q), Is.EqualTo(new[] { -4f, Code[12] * 4f, Code[10] * 4f, Code[4] * 4f }));
    }

    [Test]
    public void LastPartialBlock_HasItsOwnAbsmax_AndAnOddCountPadsTheLowNibbleWithZero()
    {
        var values = Enumerable.Repeat(1f, 64).Append(3f).ToArray();
        var q = Nf4.Quantize(values);
        Assert.That(q.BlockCount, Is.EqualTo(2));
        Assert.That(q.Absmax, Is.EqualTo(new[] { 1f, 3f }));
        Assert.That(q.Packed, Has.Length.EqualTo(33));
        Assert.That(q.Packed.Take(32), Is.All.EqualTo((byte)0xFF));
        Assert.That(q.Packed[32], Is.EqualTo((byte)0xF0));
        Assert.That(Nf4.Dequantize(q), Is.EqualTo(values));
    }

    [Test]
    public void SmallBlocks_PackAcrossBlockBoundaries()
    {
        // Blocks of 3: [3, -3, 0] and [1, 1]; packing runs over the flat sequence, not per block.
        var q = Nf4.Quantize([3f, -3f, 0f, 1f, 1f], blockSize: 3);
        Assert.That(q.Absmax, Is.EqualTo(new[] { 3f, 1f }));
        Assert.That(q.Packed, Is.EqualTo(new byte[] { 0xF0, 0x7F, 0xF0 }));
    }

    [Test]
    public void PackedLayout_MatchesAReferenceWrittenFromTheDefinition([Values(64, 128)] int blockSize)
    {
        var rng = new Random(14);
        var values = Enumerable.Range(0, 301).Select(_ => (float)((rng.NextDouble() * 2) - 1) * 3f).ToArray();
        var (refPacked, refAbsmax, refValues) = Reference(values, blockSize);
        var q = Nf4.Quantize(values, blockSize);
        Assert.That(q.Absmax, Is.EqualTo(refAbsmax));
        Assert.That(q.Packed, Is.EqualTo(refPacked));
        Assert.That(Nf4.Dequantize(q), Is.EqualTo(refValues));
        // The widest gap between codes is -1 to -0.6962: no value moves more than half of it times its absmax.
        var back = Nf4.Dequantize(q);
        for (int i = 0; i < values.Length; i++)
        {
            Assert.That(back[i], Is.EqualTo(values[i]).Within(0.152f * refAbsmax[i / blockSize]), $"value {i}");
        }
    }

    [TestCase(123, float.NaN, "values[123] is NaN: NF4 cannot store it")]
    [TestCase(5, float.PositiveInfinity, "values[5] is +Inf: NF4 cannot store it")]
    [TestCase(0, float.NegativeInfinity, "values[0] is -Inf: NF4 cannot store it")]
    public void NonFiniteValue_IsRejectedNamingItsIndex(int index, float bad, string message)
    {
        var values = new float[200];
        values[index] = bad;
        var ex = Assert.Throws<ArgumentException>(() => Nf4.Quantize(values));
        Assert.That(ex!.Message, Does.StartWith(message));
        Assert.That(ex.ParamName, Is.EqualTo("values"));
    }

    [Test]
    public void RawDequantize_RejectsMismatchedLengths()
    {
        Assert.Throws<ArgumentException>(() => Nf4.Dequantize(new byte[2], [1f], 64, new float[5]));
        Assert.Throws<ArgumentException>(() => Nf4.Dequantize(new byte[3], [1f], 4, new float[5]));
        Assert.Throws<ArgumentException>(() => _ = new Nf4Tensor(5, 4, new byte[3], new float[1]));
    }

    [Test]
    public void EmptyInput_GivesEmptyStorage()
    {
        var q = Nf4.Quantize([]);
        Assert.That(q.Packed, Is.Empty);
        Assert.That(q.Absmax, Is.Empty);
        Assert.That(Nf4.Dequantize(q), Is.Empty);
    }

    /// <summary>
    /// The format from its definition: absmax per block, scaled value = v × (1/absmax) in float32,
    /// index = the nearest code (by distance), element i in the high nibble of byte i/2 when i is even.
    /// </summary>
    private static (byte[] Packed, float[] Absmax, float[] Values) Reference(float[] values, int blockSize)
    {
        int blocks = (values.Length + blockSize - 1) / blockSize;
        var absmax = new float[blocks];
        for (int i = 0; i < values.Length; i++)
        {
            absmax[i / blockSize] = Math.Max(absmax[i / blockSize], Math.Abs(values[i]));
        }
        var packed = new byte[(values.Length + 1) / 2];
        var back = new float[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            float scaled = values[i] * (1f / absmax[i / blockSize]);
            int best = 0;
            for (int c = 1; c < 16; c++)
            {
                if (Math.Abs((double)scaled - Code[c]) < Math.Abs((double)scaled - Code[best]))
                {
                    best = c;
                }
            }
            int shift = i % 2 == 0 ? 4 : 0;
            packed[i / 2] |= (byte)(best << shift);
            back[i] = Code[best] * absmax[i / blockSize];
        }
        return (packed, absmax, back);
    }
}
