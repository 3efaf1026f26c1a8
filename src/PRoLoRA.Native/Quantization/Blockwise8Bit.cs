namespace PRoLoRA.Native.Quantization;

/// <summary>
/// bitsandbytes' blockwise 8-bit quantiser (<c>quantize_blockwise</c>): each block of values is
/// scaled by the reciprocal of its absmax and each scaled value stored as the index of the nearest
/// entry of a 256-entry ascending code map (by default <see cref="DynamicMap.Signed"/>).
/// </summary>
/// <remarks>
/// The nearest entry is found as bitsandbytes' <c>dQuantize</c> finds it: a seven-step binary search
/// from index 127 (moving up while the value is strictly greater than the probed entry, in steps
/// 64, 32, …, 1) ends at a pivot; the value is then compared with the float32 midpoint between the
/// pivot and its neighbour on the value's side and goes to the neighbour only when strictly beyond
/// that midpoint, so a tie keeps the pivot. A scaled NaN (an all-zero block: 0 × (1/0)) ends at index 0.
/// </remarks>
internal static class Blockwise8Bit
{
    /// <summary>The block size NF4's double quantisation uses for its absmax values.</summary>
    public const int DefaultBlockSize = 256;

    /// <summary>Quantises <paramref name="values"/> in blocks of <paramref name="blockSize"/> with <paramref name="map"/>.</summary>
    /// <param name="values">The float32 values; every one must be finite.</param>
    /// <param name="map">256 ascending code values (null: <see cref="DynamicMap.Signed"/>).</param>
    /// <param name="blockSize">Values per absmax block; the last block may be shorter.</param>
    /// <returns>One index per value and one absmax per block.</returns>
    /// <exception cref="ArgumentException">A value is NaN or ±Inf (the message names its index), or the map is not 256 entries.</exception>
    public static (byte[] Codes, float[] Absmax) Quantize(ReadOnlySpan<float> values, float[]? map = null, int blockSize = DefaultBlockSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        var code = RequireMap(map);
        QuantizationChecks.RequireFinite(values, nameof(values), "8-bit blockwise quantisation");
        var absmax = QuantizationChecks.BlockAbsMax(values, blockSize);
        var codes = new byte[values.Length];
        for (int b = 0; b < absmax.Length; b++)
        {
            int start = b * blockSize;
            float scale = 1f / absmax[b];
            for (int j = start; j < Math.Min(start + blockSize, values.Length); j++)
            {
                codes[j] = Nearest(code, values[j] * scale);
            }
        }
        return (codes, absmax);
    }

    /// <summary>Dequantises <paramref name="codes"/>: <c>map[code] * absmax[block]</c>.</summary>
    /// <exception cref="ArgumentException">The absmax count does not match the codes and block size, or the map is not 256 entries.</exception>
    public static float[] Dequantize(ReadOnlySpan<byte> codes, ReadOnlySpan<float> absmax, float[]? map = null, int blockSize = DefaultBlockSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        var code = RequireMap(map);
        int blocks = (int)(((long)codes.Length + blockSize - 1) / blockSize);
        if (absmax.Length != blocks)
        {
            throw new ArgumentException($"{codes.Length} codes in blocks of {blockSize} take {blocks} absmax values, not {absmax.Length}", nameof(absmax));
        }
        var result = new float[codes.Length];
        for (int i = 0; i < codes.Length; i++)
        {
            result[i] = code[codes[i]] * absmax[i / blockSize];
        }
        return result;
    }

    /// <summary>The index of the entry of the ascending 256-entry <paramref name="map"/> nearest <paramref name="x"/>, by bitsandbytes' search and tie rule.</summary>
    public static byte Nearest(ReadOnlySpan<float> map, float x)
    {
        if (map.Length != DynamicMap.Size)
        {
            throw new ArgumentException($"a code map has {DynamicMap.Size} entries, not {map.Length}", nameof(map));
        }
        int pivot = 127, below = 0, above = 255;
        float lower = -1f, upper = 1f;
        float val = map[pivot];
        for (int step = 64; step > 0; step >>= 1)
        {
            if (x > val)
            {
                below = pivot;
                lower = val;
                pivot += step;
            }
            else
            {
                above = pivot;
                upper = val;
                pivot -= step;
            }
            val = map[pivot];
        }
        if (above == 255)
        {
            upper = map[255];
        }
        if (below == 0)
        {
            lower = map[0];
        }
        if (x > val)
        {
            return x > (upper + val) * 0.5f ? (byte)above : (byte)pivot;
        }
        return x < (lower + val) * 0.5f ? (byte)below : (byte)pivot;
    }

    private static float[] RequireMap(float[]? map)
    {
        if (map is null)
        {
            return DynamicMap.Create(signed: true);
        }
        if (map.Length != DynamicMap.Size)
        {
            throw new ArgumentException($"a code map has {DynamicMap.Size} entries, not {map.Length}", nameof(map));
        }
        return map;
    }
}
