using PRoLoRA.Native.IO;

namespace PRoLoRA.Native.Quantization;

/// <summary>
/// bfloat16 storage for frozen weights: float32 → bf16 rounds to nearest, ties to even (a value
/// beyond the largest bf16 becomes ±Inf, NaN stays a quiet NaN, subnormals round like any other
/// value); bf16 → float32 is exact. The same conversion the safetensors reader and writer use.
/// </summary>
public static class BFloat16
{
    /// <summary>The bf16 bits of <paramref name="value"/>, rounded to nearest even.</summary>
    public static ushort FromSingle(float value) => FloatFormats.ToBFloat16(value);

    /// <summary>The float32 value of bf16 <paramref name="bits"/> (exact).</summary>
    public static float ToSingle(ushort bits) => FloatFormats.FromBFloat16(bits);

    /// <summary>Rounds <paramref name="value"/> to the nearest bf16 and back (the value bf16 storage keeps).</summary>
    public static float Round(float value) => ToSingle(FromSingle(value));

    /// <summary>Encodes <paramref name="source"/> into <paramref name="destination"/> (the same length).</summary>
    public static void Encode(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        if (source.Length != destination.Length)
        {
            throw new ArgumentException($"{source.Length} values do not fit {destination.Length} bf16 slots", nameof(destination));
        }
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = FromSingle(source[i]);
        }
    }

    /// <summary>Decodes <paramref name="source"/> into <paramref name="destination"/> (the same length).</summary>
    public static void Decode(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        if (source.Length != destination.Length)
        {
            throw new ArgumentException($"{source.Length} bf16 values do not fit {destination.Length} slots", nameof(destination));
        }
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = ToSingle(source[i]);
        }
    }

    /// <summary>Encodes <paramref name="source"/> into a new array.</summary>
    public static ushort[] Encode(ReadOnlySpan<float> source)
    {
        var result = new ushort[source.Length];
        Encode(source, result);
        return result;
    }

    /// <summary>Decodes <paramref name="source"/> into a new array.</summary>
    public static float[] Decode(ReadOnlySpan<ushort> source)
    {
        var result = new float[source.Length];
        Decode(source, result);
        return result;
    }
}
