namespace PRoLoRA.Native.IO;

/// <summary>
/// The element types of the safetensors format (names as written in the header). All can be
/// inspected and copied; <see cref="F64"/>, <see cref="F32"/>, <see cref="F16"/> and
/// <see cref="BF16"/> can also be read as float32, and <see cref="F32"/>, <see cref="F16"/> and
/// <see cref="BF16"/> written from it.
/// </summary>
public enum SafetensorsDType
{
    /// <summary>Boolean, one byte.</summary>
    BOOL,

    /// <summary>Unsigned 8-bit integer.</summary>
    U8,

    /// <summary>Signed 8-bit integer.</summary>
    I8,

    /// <summary>8-bit float, 5 exponent bits.</summary>
    F8_E5M2,

    /// <summary>8-bit float, 4 exponent bits.</summary>
    F8_E4M3,

    /// <summary>Signed 16-bit integer.</summary>
    I16,

    /// <summary>Unsigned 16-bit integer.</summary>
    U16,

    /// <summary>IEEE half precision.</summary>
    F16,

    /// <summary>bfloat16: the upper half of a float32.</summary>
    BF16,

    /// <summary>Signed 32-bit integer.</summary>
    I32,

    /// <summary>Unsigned 32-bit integer.</summary>
    U32,

    /// <summary>IEEE single precision.</summary>
    F32,

    /// <summary>IEEE double precision.</summary>
    F64,

    /// <summary>Signed 64-bit integer.</summary>
    I64,

    /// <summary>Unsigned 64-bit integer.</summary>
    U64,
}

/// <summary>Sizes and names of <see cref="SafetensorsDType"/>.</summary>
public static class SafetensorsDTypes
{
    private static readonly Dictionary<string, SafetensorsDType> ByName =
        Enum.GetValues<SafetensorsDType>().ToDictionary(d => d.ToString(), StringComparer.Ordinal);

    /// <summary>Bytes per element.</summary>
    public static int Size(this SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.BOOL or SafetensorsDType.U8 or SafetensorsDType.I8 or SafetensorsDType.F8_E5M2 or SafetensorsDType.F8_E4M3 => 1,
        SafetensorsDType.I16 or SafetensorsDType.U16 or SafetensorsDType.F16 or SafetensorsDType.BF16 => 2,
        SafetensorsDType.I32 or SafetensorsDType.U32 or SafetensorsDType.F32 => 4,
        SafetensorsDType.F64 or SafetensorsDType.I64 or SafetensorsDType.U64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>True for the types that read as float32 (F64, F32, F16, BF16).</summary>
    public static bool IsReadableAsFloat32(this SafetensorsDType dtype)
        => dtype is SafetensorsDType.F64 or SafetensorsDType.F32 or SafetensorsDType.F16 or SafetensorsDType.BF16;

    /// <summary>True for the types that can be written from float32 (F32, F16, BF16).</summary>
    public static bool IsWritableFromFloat32(this SafetensorsDType dtype)
        => dtype is SafetensorsDType.F32 or SafetensorsDType.F16 or SafetensorsDType.BF16;

    /// <summary>The dtype written as <paramref name="name"/> in a header (exact, case-sensitive), or false.</summary>
    public static bool TryParse(string name, out SafetensorsDType dtype) => ByName.TryGetValue(name, out dtype);

    /// <summary>
    /// The float dtype a user names on the command line: f32, f16 or bf16 (any case);
    /// throws an <see cref="ArgumentException"/> otherwise.
    /// </summary>
    public static SafetensorsDType ParseFloat(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.ToLowerInvariant() switch
        {
            "f32" or "float32" => SafetensorsDType.F32,
            "f16" or "float16" => SafetensorsDType.F16,
            "bf16" or "bfloat16" => SafetensorsDType.BF16,
            _ => throw new ArgumentException($"unknown dtype '{name}'; use f32, bf16 or f16", nameof(name)),
        };
    }
}
