namespace PRoLoRA.Native.Backends;

/// <summary>
/// RoPE's inverse frequencies as Hugging Face computes them, in float32:
/// inv_freq = 1 / theta ** (arange(0, headDim, 2).float() / headDim). Every backend rotates with
/// this one table (the CUDA backend uploads it), so the angles agree bit for bit across backends.
/// </summary>
internal static class RopeFrequencies
{
    /// <summary>invFreq[i] = 1 / theta^(2i / headDim) for i &lt; headDim / 2, each step rounded to float32.</summary>
    public static float[] Inverse(int headDim, float theta)
    {
        var inverse = new float[headDim / 2];
        for (int i = 0; i < inverse.Length; i++)
        {
            float exponent = (2f * i) / headDim;
            inverse[i] = 1f / MathF.Pow(theta, exponent);
        }
        return inverse;
    }
}
