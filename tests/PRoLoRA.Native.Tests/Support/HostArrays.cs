namespace PRoLoRA.Native.Tests.Support;

/// <summary>Row-major host arrays, rearranged.</summary>
internal static class HostArrays
{
    /// <summary>The row-major transpose (cols×rows) of a row-major rows×cols array.</summary>
    public static float[] Transpose(float[] data, int rows, int cols)
    {
        var t = new float[data.Length];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                t[(j * rows) + i] = data[(i * cols) + j];
            }
        }
        return t;
    }
}
