using System.Buffers.Binary;

namespace PRoLoRA.Native.IO;

/// <summary>
/// Conversions between float32 and the stored float formats, little-endian. bfloat16 rounds to
/// nearest even (NaN stays a quiet NaN); float16 uses <see cref="Half"/>, which also rounds to nearest even.
/// </summary>
internal static class FloatFormats
{
    /// <summary>float32 → bfloat16 bits, round to nearest even.</summary>
    public static ushort ToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x0040);
        }
        uint roundingBias = 0x7FFFu + ((bits >> 16) & 1u);
        return (ushort)((bits + roundingBias) >> 16);
    }

    /// <summary>bfloat16 bits → float32 (exact).</summary>
    public static float FromBFloat16(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>Decodes <paramref name="src"/> (elements of <paramref name="dtype"/>) into float32.</summary>
    public static void Decode(ReadOnlySpan<byte> src, SafetensorsDType dtype, Span<float> dst)
    {
        if (!dtype.IsReadableAsFloat32())
        {
            throw new NotSupportedException($"{dtype} cannot be read as float32");
        }
        if (src.Length != (long)dst.Length * dtype.Size())
        {
            throw new ArgumentException($"{src.Length} bytes of {dtype} do not hold {dst.Length} elements", nameof(src));
        }
        switch (dtype)
        {
            case SafetensorsDType.F32:
                for (int i = 0; i < dst.Length; i++)
                {
                    dst[i] = BinaryPrimitives.ReadSingleLittleEndian(src[(4 * i)..]);
                }
                break;
            case SafetensorsDType.F16:
                for (int i = 0; i < dst.Length; i++)
                {
                    dst[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(src[(2 * i)..]);
                }
                break;
            case SafetensorsDType.BF16:
                for (int i = 0; i < dst.Length; i++)
                {
                    dst[i] = FromBFloat16(BinaryPrimitives.ReadUInt16LittleEndian(src[(2 * i)..]));
                }
                break;
            default:
                for (int i = 0; i < dst.Length; i++)
                {
                    dst[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(src[(8 * i)..]);
                }
                break;
        }
    }

    /// <summary>Encodes float32 <paramref name="src"/> as <paramref name="dtype"/> (F32, F16 or BF16).</summary>
    public static void Encode(ReadOnlySpan<float> src, SafetensorsDType dtype, Span<byte> dst)
    {
        if (!dtype.IsWritableFromFloat32())
        {
            throw new NotSupportedException($"float32 cannot be written as {dtype}; use F32, F16 or BF16");
        }
        if (dst.Length != (long)src.Length * dtype.Size())
        {
            throw new ArgumentException($"{dst.Length} bytes of {dtype} cannot hold {src.Length} elements", nameof(dst));
        }
        switch (dtype)
        {
            case SafetensorsDType.F32:
                for (int i = 0; i < src.Length; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(dst[(4 * i)..], src[i]);
                }
                break;
            case SafetensorsDType.F16:
                for (int i = 0; i < src.Length; i++)
                {
                    BinaryPrimitives.WriteHalfLittleEndian(dst[(2 * i)..], (Half)src[i]);
                }
                break;
            default:
                for (int i = 0; i < src.Length; i++)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(dst[(2 * i)..], ToBFloat16(src[i]));
                }
                break;
        }
    }

    /// <summary>The index of the first NaN or ±Inf among encoded F16 or BF16 <paramref name="encoded"/> (all exponent bits set), or −1; F32 is not checked here.</summary>
    public static int IndexOfNonFinite(ReadOnlySpan<byte> encoded, SafetensorsDType dtype)
    {
        ushort exponent = dtype switch
        {
            SafetensorsDType.F16 => 0x7C00,
            SafetensorsDType.BF16 => 0x7F80,
            _ => 0,
        };
        if (exponent == 0)
        {
            return -1;
        }
        for (int i = 0; i < encoded.Length / 2; i++)
        {
            if ((BinaryPrimitives.ReadUInt16LittleEndian(encoded[(2 * i)..]) & exponent) == exponent)
            {
                return i;
            }
        }
        return -1;
    }
}
