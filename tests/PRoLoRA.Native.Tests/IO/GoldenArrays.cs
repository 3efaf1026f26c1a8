using PRoLoRA.Native.Verification;

namespace PRoLoRA.Native.Tests.IO;

/// <summary>The golden cases' arrays (read by the library's <see cref="GoldenFile"/>) as float32.</summary>
internal static class GoldenArrays
{
    /// <summary>An array's values as float32.</summary>
    public static float[] Floats(GoldenArray a) => [.. a.Data.Select(d => (float)d)];
}
