namespace PRoLoRA.Native.Quantization;

/// <summary>Input checks and block statistics shared by the quantisers.</summary>
internal static class QuantizationChecks
{
    /// <summary>Throws when an element of <paramref name="values"/> is NaN or ±Inf, naming its index.</summary>
    public static void RequireFinite(ReadOnlySpan<float> values, string paramName, string format)
    {
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            if (!float.IsFinite(v))
            {
                string what = float.IsNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
                throw new ArgumentException($"{paramName}[{i}] is {what}: {format} cannot store it", paramName);
            }
        }
    }

    /// <summary>The absolute maximum of each block of <paramref name="blockSize"/> values (the last block may be shorter).</summary>
    public static float[] BlockAbsMax(ReadOnlySpan<float> values, int blockSize)
    {
        var absmax = new float[(int)(((long)values.Length + blockSize - 1) / blockSize)];
        for (int b = 0; b < absmax.Length; b++)
        {
            int start = b * blockSize;
            absmax[b] = MathF.Abs(System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(values.Slice(start, Math.Min(blockSize, values.Length - start))));
        }
        return absmax;
    }
}
