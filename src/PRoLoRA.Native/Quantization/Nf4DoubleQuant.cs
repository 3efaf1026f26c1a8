namespace PRoLoRA.Native.Quantization;

/// <summary>
/// NF4's double quantisation of its absmax values (bitsandbytes' <c>compress_statistics</c>):
/// the mean of the absmax values is subtracted and stored (<see cref="Offset"/>), and the
/// differences are 8-bit blockwise quantised (<see cref="Blockwise8Bit"/>) in blocks of 256 with
/// the signed dynamic map, each block keeping its own float32 absmax (<see cref="NestedAbsmax"/>).
/// Decompressing gives <c>map[code] * nestedAbsmax[block] + offset</c>.
/// </summary>
public sealed class Nf4DoubleQuant
{
    /// <summary>Wraps stored double-quantised absmax values (for instance read from a checkpoint).</summary>
    /// <exception cref="ArgumentException">The map is not 256 entries or the nested absmax count does not match.</exception>
    public Nf4DoubleQuant(byte[] codes, float[] nestedAbsmax, float[] map, float offset, int blockSize = Blockwise8Bit.DefaultBlockSize)
    {
        ArgumentNullException.ThrowIfNull(codes);
        ArgumentNullException.ThrowIfNull(nestedAbsmax);
        ArgumentNullException.ThrowIfNull(map);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        if (map.Length != DynamicMap.Size)
        {
            throw new ArgumentException($"a code map has {DynamicMap.Size} entries, not {map.Length}", nameof(map));
        }
        int blocks = (int)(((long)codes.Length + blockSize - 1) / blockSize);
        if (nestedAbsmax.Length != blocks)
        {
            throw new ArgumentException($"{codes.Length} codes in blocks of {blockSize} take {blocks} nested absmax values, not {nestedAbsmax.Length}", nameof(nestedAbsmax));
        }
        Codes = codes;
        NestedAbsmax = nestedAbsmax;
        Map = map;
        Offset = offset;
        BlockSize = blockSize;
    }

    /// <summary>One 8-bit index per absmax value (bitsandbytes' <c>absmax</c> tensor, U8).</summary>
    public byte[] Codes { get; }

    /// <summary>The absmax of each block of <see cref="BlockSize"/> differences (<c>nested_absmax</c>).</summary>
    public float[] NestedAbsmax { get; }

    /// <summary>The 256-entry code map (<c>nested_quant_map</c>).</summary>
    public float[] Map { get; }

    /// <summary>The mean of the original absmax values, added back on decompression.</summary>
    public float Offset { get; }

    /// <summary>Absmax values per nested block (256).</summary>
    public int BlockSize { get; }

    /// <summary>The number of absmax values held.</summary>
    public int Length => Codes.Length;

    /// <summary>Bytes held: the codes, the nested absmax values, the map and the offset.</summary>
    public long StorageBytes => Codes.LongLength + (4L * NestedAbsmax.Length) + (4L * Map.Length) + 4;

    /// <summary>
    /// Compresses <paramref name="absmax"/>. The mean is accumulated in float64 and rounded to
    /// float32 (torch's float32 mean can differ in the last bit).
    /// </summary>
    /// <exception cref="ArgumentException">An absmax value is NaN or ±Inf.</exception>
    public static Nf4DoubleQuant Compress(ReadOnlySpan<float> absmax, int blockSize = Blockwise8Bit.DefaultBlockSize)
    {
        QuantizationChecks.RequireFinite(absmax, nameof(absmax), "NF4 double quantisation");
        double sum = 0;
        foreach (float a in absmax)
        {
            sum += a;
        }
        float offset = absmax.Length == 0 ? 0f : (float)(sum / absmax.Length);
        var centred = new float[absmax.Length];
        for (int i = 0; i < centred.Length; i++)
        {
            centred[i] = absmax[i] - offset;
        }
        var map = DynamicMap.Create(signed: true);
        var (codes, nested) = Blockwise8Bit.Quantize(centred, map, blockSize);
        return new Nf4DoubleQuant(codes, nested, map, offset, blockSize);
    }

    /// <summary>The absmax values: <c>map[code] * nestedAbsmax[block] + offset</c>, in float32.</summary>
    public float[] Decompress()
    {
        var values = Blockwise8Bit.Dequantize(Codes, NestedAbsmax, Map, BlockSize);
        for (int i = 0; i < values.Length; i++)
        {
            values[i] += Offset;
        }
        return values;
    }
}
