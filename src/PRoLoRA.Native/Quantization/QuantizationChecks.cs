namespace PRoLoRA.Native.Quantization;

/// <summary>Input checks shared by the quantisers.</summary>
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
}
