namespace PRoLoRA.Native.Quantization;

/// <summary>
/// NF4 storage of a flat run of values (<see cref="Nf4"/>): the packed 4-bit indices and, per block,
/// either the float32 absmax (<see cref="Absmax"/>) or its double-quantised form
/// (<see cref="QuantizedAbsmax"/>); exactly one of the two is set.
/// </summary>
public sealed class Nf4Tensor
{
    /// <summary>Storage with plain float32 absmax values.</summary>
    /// <exception cref="ArgumentException">The lengths do not match <paramref name="length"/> and <paramref name="blockSize"/>.</exception>
    public Nf4Tensor(int length, int blockSize, byte[] packed, float[] absmax)
        : this(length, blockSize, packed)
    {
        ArgumentNullException.ThrowIfNull(absmax);
        RequireBlocks(absmax.Length, nameof(absmax));
        Absmax = absmax;
    }

    /// <summary>Storage whose absmax values are double-quantised.</summary>
    /// <exception cref="ArgumentException">The lengths do not match <paramref name="length"/> and <paramref name="blockSize"/>.</exception>
    public Nf4Tensor(int length, int blockSize, byte[] packed, Nf4DoubleQuant quantizedAbsmax)
        : this(length, blockSize, packed)
    {
        ArgumentNullException.ThrowIfNull(quantizedAbsmax);
        RequireBlocks(quantizedAbsmax.Length, nameof(quantizedAbsmax));
        QuantizedAbsmax = quantizedAbsmax;
    }

    private Nf4Tensor(int length, int blockSize, byte[] packed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        ArgumentNullException.ThrowIfNull(packed);
        if (packed.Length != Nf4.PackedLength(length))
        {
            throw new ArgumentException($"{length} NF4 values take {Nf4.PackedLength(length)} bytes, not {packed.Length}", nameof(packed));
        }
        Length = length;
        BlockSize = blockSize;
        Packed = packed;
    }

    /// <summary>The number of values stored.</summary>
    public int Length { get; }

    /// <summary>Values per absmax block (the last block may be shorter).</summary>
    public int BlockSize { get; }

    /// <summary>The number of absmax blocks.</summary>
    public int BlockCount => Nf4.BlockCount(Length, BlockSize);

    /// <summary>The 4-bit indices, two a byte, element 0 in the high nibble of byte 0; an odd count leaves the last low nibble 0.</summary>
    public byte[] Packed { get; }

    /// <summary>The float32 absmax of each block, or null when the absmax values are double-quantised.</summary>
    public float[]? Absmax { get; }

    /// <summary>The double-quantised absmax values, or null when they are stored as float32.</summary>
    public Nf4DoubleQuant? QuantizedAbsmax { get; }

    /// <summary>Bytes held: the packed indices plus the absmax storage.</summary>
    public long StorageBytes => Packed.LongLength + (Absmax is { } a ? 4L * a.Length : QuantizedAbsmax!.StorageBytes);

    /// <summary>Each block's absmax as float32 (decompressed when double-quantised).</summary>
    public float[] BlockAbsmax() => Absmax ?? QuantizedAbsmax!.Decompress();

    private void RequireBlocks(int actual, string paramName)
    {
        if (actual != BlockCount)
        {
            throw new ArgumentException($"{Length} values in blocks of {BlockSize} take {BlockCount} absmax values, not {actual}", paramName);
        }
    }
}
