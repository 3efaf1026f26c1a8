namespace PRoLoRA.Native.Quantization;

/// <summary>
/// 4-bit NormalFloat (NF4) as bitsandbytes stores it: the values are split into blocks
/// (64 by default, the last block may be partial), each block is scaled by the reciprocal of its
/// absolute maximum, and each scaled value becomes the index (0–15) of the nearest of the 16
/// <see cref="CodeValues"/>. Two indices share a byte, the first element in the high nibble; an odd
/// element count leaves the last low nibble as index 0. Dequantising multiplies the code value by
/// the block's absmax.
/// </summary>
/// <remarks>
/// The nearest code is chosen exactly as bitsandbytes' <c>dQuantizeNF4</c> decides it: a value is
/// compared with the float32 midpoints between adjacent code values and moves to the upper code only
/// when it is strictly greater than the midpoint, so a value exactly on a midpoint takes the lower
/// code. The scaled value is <c>value * (1f / absmax)</c> in float32, as in bitsandbytes; for an
/// all-zero block that product is NaN, which no comparison passes, so every index is 0 (−1 × 0 = −0
/// when dequantised).
/// </remarks>
public static class Nf4
{
    /// <summary>bitsandbytes' default NF4 block size.</summary>
    public const int DefaultBlockSize = 64;

    private static readonly float[] Codes =
    [
        -1f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
        -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0f,
        0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
        0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1f,
    ];

    // Midpoints[i] lies between Codes[i] and Codes[i + 1]: the half-sum of the two code values
    // (taken as float64, as bitsandbytes' generator did) rounded to float32.
    private static readonly float[] Midpoints = BuildMidpoints();

    /// <summary>The 16 NF4 code values, index 0 (−1) to 15 (1), ascending; index 7 is 0.</summary>
    public static ReadOnlySpan<float> CodeValues => Codes;

    /// <summary>The 15 float32 decision thresholds: <c>[i]</c> separates code <c>i</c> from code <c>i + 1</c>.</summary>
    public static ReadOnlySpan<float> Thresholds => Midpoints;

    /// <summary>
    /// The NF4 index of a value already scaled into [−1, 1]: the number of thresholds it is strictly
    /// greater than (NaN is greater than none, so it maps to 0).
    /// </summary>
    /// <param name="scaled">The value divided by its block's absmax.</param>
    public static byte QuantizeScaled(float scaled)
    {
        // A four-level binary search over the 15 thresholds, the same decisions as bitsandbytes' tree.
        int lo = 0;
        for (int step = 8; step > 0; step >>= 1)
        {
            if (scaled > Midpoints[lo + step - 1])
            {
                lo += step;
            }
        }
        return (byte)lo;
    }

    /// <summary>The packed length, in bytes, of <paramref name="count"/> NF4 values.</summary>
    public static int PackedLength(int count) => checked((int)(((long)count + 1) / 2));

    /// <summary>The number of blocks (absmax values) that <paramref name="count"/> values take.</summary>
    public static int BlockCount(int count, int blockSize = DefaultBlockSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        return (int)(((long)count + blockSize - 1) / blockSize);
    }

    /// <summary>
    /// Quantises <paramref name="values"/> (in row-major order) to NF4 in blocks of
    /// <paramref name="blockSize"/>, optionally compressing the absmax values with
    /// <see cref="Nf4DoubleQuant"/>.
    /// </summary>
    /// <param name="values">The float32 values; every one must be finite.</param>
    /// <param name="blockSize">Values per absmax block; the last block may be shorter.</param>
    /// <param name="doubleQuantize">Store the absmax values 8-bit quantised (bitsandbytes' <c>compress_statistics</c>).</param>
    /// <exception cref="ArgumentException">A value is NaN or ±Inf; the message names its index.</exception>
    public static Nf4Tensor Quantize(ReadOnlySpan<float> values, int blockSize = DefaultBlockSize, bool doubleQuantize = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        QuantizationChecks.RequireFinite(values, nameof(values), "NF4");
        var absmax = QuantizationChecks.BlockAbsMax(values, blockSize);
        var packed = new byte[PackedLength(values.Length)];
        for (int b = 0; b < absmax.Length; b++)
        {
            int start = b * blockSize;
            float scale = 1f / absmax[b];
            for (int index = start; index < Math.Min(start + blockSize, values.Length); index++)
            {
                byte code = QuantizeScaled(values[index] * scale);
                packed[index >> 1] |= (index & 1) == 0 ? (byte)(code << 4) : code;
            }
        }
        return doubleQuantize
            ? new Nf4Tensor(values.Length, blockSize, packed, Nf4DoubleQuant.Compress(absmax))
            : new Nf4Tensor(values.Length, blockSize, packed, absmax);
    }

    /// <summary>Dequantises <paramref name="tensor"/> into a new array.</summary>
    public static float[] Dequantize(Nf4Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var result = new float[tensor.Length];
        Dequantize(tensor, result);
        return result;
    }

    /// <summary>Dequantises <paramref name="tensor"/> into <paramref name="destination"/> (exactly <see cref="Nf4Tensor.Length"/> long).</summary>
    public static void Dequantize(Nf4Tensor tensor, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        Dequantize(tensor.Packed, tensor.BlockAbsmax(), tensor.BlockSize, destination);
    }

    /// <summary>
    /// Dequantises raw NF4 storage: <paramref name="packed"/> (two indices a byte, high nibble first)
    /// with one <paramref name="absmax"/> per block of <paramref name="blockSize"/>, into
    /// <paramref name="destination"/>, whose length is the element count.
    /// </summary>
    /// <exception cref="ArgumentException">The packed or absmax lengths do not match the element count.</exception>
    public static void Dequantize(ReadOnlySpan<byte> packed, ReadOnlySpan<float> absmax, int blockSize, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        int count = destination.Length;
        if (packed.Length != PackedLength(count))
        {
            throw new ArgumentException($"{count} NF4 values take {PackedLength(count)} bytes, not {packed.Length}", nameof(packed));
        }
        if (absmax.Length != BlockCount(count, blockSize))
        {
            throw new ArgumentException($"{count} values in blocks of {blockSize} take {BlockCount(count, blockSize)} absmax values, not {absmax.Length}", nameof(absmax));
        }
        for (int i = 0; i < count; i++)
        {
            byte pair = packed[i >> 1];
            int code = (i & 1) == 0 ? pair >> 4 : pair & 0x0F;
            destination[i] = Codes[code] * absmax[i / blockSize];
        }
    }

    private static float[] BuildMidpoints()
    {
        var mids = new float[Codes.Length - 1];
        for (int i = 0; i < mids.Length; i++)
        {
            mids[i] = (float)(((double)Codes[i] + Codes[i + 1]) / 2.0);
        }
        return mids;
    }
}
