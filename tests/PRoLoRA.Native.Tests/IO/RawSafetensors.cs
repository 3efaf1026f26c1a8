using System.Buffers.Binary;
using System.Text;

namespace PRoLoRA.Native.Tests.IO;

/// <summary>Builds safetensors bytes by hand (independently of the library's writer), for the reader's tests.</summary>
internal static class RawSafetensors
{
    public static byte[] Build(string header, byte[] data, ulong? headerSize = null)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, headerSize ?? (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        return bytes;
    }

    public static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        }
        return bytes;
    }
}
