using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.IO;

/// <summary>One tensor's header entry: name, dtype, shape and its byte range in the data region.</summary>
/// <param name="Name">The tensor's key in the header.</param>
/// <param name="DType">Element type.</param>
/// <param name="Shape">Extents, row-major.</param>
/// <param name="Begin">First byte, relative to the start of the data region.</param>
/// <param name="End">One past the last byte, relative to the start of the data region.</param>
public sealed record SafetensorsTensorInfo(string Name, SafetensorsDType DType, Shape Shape, long Begin, long End)
{
    /// <summary>Bytes of data: End − Begin.</summary>
    public long ByteLength => End - Begin;
}
