namespace PRoLoRA.Native.Quantization;

/// <summary>
/// bitsandbytes' 8-bit "dynamic" code map (<c>create_dynamic_map</c>), the map its blockwise 8-bit
/// quantiser uses by default, and so the map of NF4's double-quantised absmax values.
/// </summary>
/// <remarks>
/// Construction, for decade <c>i</c> = 0 … <c>maxExponentBits</c> − 1: take <c>n + 1</c> evenly spaced
/// boundaries from 0.1 to 1 (<c>n</c> = 2^i when signed, 2^(i+1) when not), the <c>n</c> means of
/// adjacent boundaries, scaled by 10^(i − (<c>maxExponentBits</c> − 1)), and (signed) their negatives.
/// When <c>maxExponentBits</c> &lt; 7, the last decade's scale is also applied to means of
/// 2^(7 − <c>maxExponentBits</c>) − 1 further items. 0 and 1 are added and the 256 values sorted.
/// The arithmetic is float32 throughout, following torch: <c>linspace</c> counts the first half of
/// its points up from the start and the second half down from the end, the means are float32
/// half-sums, and the scale is rounded to float32 before it multiplies.
/// </remarks>
internal static class DynamicMap
{
    /// <summary>The number of entries in an 8-bit map.</summary>
    public const int Size = 256;

    private static readonly float[] SignedMap = Create(signed: true);

    /// <summary>The signed map (<c>create_dynamic_map(signed=True)</c>), ascending from −0.99296875 to 1.</summary>
    public static ReadOnlySpan<float> Signed => SignedMap;

    /// <summary>Builds the 256-entry dynamic map.</summary>
    /// <param name="signed">Include the negative half (bitsandbytes' default).</param>
    /// <param name="maxExponentBits">The number of decades, 1 to 7 (bitsandbytes' default 7).</param>
    public static float[] Create(bool signed = true, int maxExponentBits = 7)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxExponentBits, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxExponentBits, 7);
        const int nonSignBits = 7;
        var data = new List<float>(Size);
        for (int i = 0; i < maxExponentBits; i++)
        {
            int items = signed ? 1 << (i + nonSignBits - maxExponentBits) : 1 << (i + nonSignBits - maxExponentBits + 1);
            AddDecade(data, items, DecadeScale(i, maxExponentBits), signed);
        }
        int additional = (1 << (nonSignBits - maxExponentBits)) - 1;
        if (additional > 0)
        {
            AddDecade(data, additional, DecadeScale(maxExponentBits - 1, maxExponentBits), signed);
        }
        data.Add(0f);
        data.Add(1f);
        while (data.Count < Size)
        {
            data.Add(0f);
        }
        if (data.Count != Size)
        {
            throw new InvalidOperationException($"the dynamic map has {data.Count} entries, not {Size}");
        }
        data.Sort();
        return [.. data];
    }

    private static float DecadeScale(int i, int maxExponentBits) => (float)Math.Pow(10, i - (maxExponentBits - 1));

    private static void AddDecade(List<float> data, int items, float scale, bool signed)
    {
        var boundaries = Linspace(0.1f, 1f, items + 1);
        var means = new float[items];
        for (int k = 0; k < items; k++)
        {
            means[k] = (boundaries[k] + boundaries[k + 1]) / 2f;
        }
        foreach (float m in means)
        {
            data.Add(scale * m);
        }
        if (signed)
        {
            foreach (float m in means)
            {
                data.Add(-(scale * m));
            }
        }
    }

    /// <summary>torch.linspace in float32: the first half counts up from the start, the rest down from the end.</summary>
    internal static float[] Linspace(float start, float end, int steps)
    {
        var result = new float[steps];
        if (steps == 1)
        {
            result[0] = start;
            return result;
        }
        float step = (end - start) / (steps - 1);
        int halfway = steps / 2;
        for (int k = 0; k < steps; k++)
        {
            result[k] = k < halfway ? start + (step * k) : end - (step * (steps - k - 1));
        }
        return result;
    }
}
