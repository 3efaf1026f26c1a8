using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using PRoLoRA.Native.Backends;
using PRoLoRA.Native.IO.Input;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.IO;

/// <summary>
/// A safetensors file open for reading: the header is read and checked on <see cref="Open"/>
/// (see <see cref="SafetensorsHeader"/> for the rules; a bad file throws an
/// <see cref="InvalidDataException"/> naming the file and the problem), tensors are read on demand,
/// one at a time, so large checkpoints are never loaded whole.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafetensorsTensorInfo> _byName;

    private SafetensorsFile(string path, SafeFileHandle handle, long dataStart, IReadOnlyList<SafetensorsTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        _handle = handle;
        _dataStart = dataStart;
        Tensors = tensors;
        Metadata = metadata;
        _byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>Every tensor, in the order of their data.</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors { get; }

    /// <summary>The header's "__metadata__" (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Opens <paramref name="path"/> and checks its header.</summary>
    public static SafetensorsFile Open(string path)
    {
        var handle = InputFile.OpenRegular(path);
        try
        {
            long length = RandomAccess.GetLength(handle);
            if (length < 8)
            {
                throw SafetensorsHeader.Bad(path, $"truncated: {length} bytes, too short for the 8-byte header size");
            }
            Span<byte> sizeBytes = stackalloc byte[8];
            ReadExactly(handle, path, sizeBytes, 0);
            ulong headerSize = BinaryPrimitives.ReadUInt64LittleEndian(sizeBytes);
            if (headerSize > SafetensorsHeader.MaxSize)
            {
                throw SafetensorsHeader.Bad(path, $"header size {headerSize} is absurd (the limit is {SafetensorsHeader.MaxSize} bytes)");
            }
            if ((long)headerSize > length - 8)
            {
                throw SafetensorsHeader.Bad(path, $"header size {headerSize} runs past the end of the file ({length} bytes): truncated or not safetensors");
            }
            var header = new byte[headerSize];
            ReadExactly(handle, path, header, 8);
            long dataStart = 8 + (long)headerSize;
            var (tensors, metadata) = SafetensorsHeader.Parse(path, header, length - dataStart);
            return new SafetensorsFile(path, handle, dataStart, tensors, metadata);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>True when the file holds a tensor called <paramref name="name"/>.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The header entry of <paramref name="name"/>; a missing tensor throws an <see cref="InvalidDataException"/>.</summary>
    public SafetensorsTensorInfo Info(string name)
        => _byName.TryGetValue(name, out var info) ? info : throw new InvalidDataException($"{Path}: no tensor '{Printable.Text(name)}' in the file");

    /// <summary>The raw little-endian bytes of <paramref name="name"/>.</summary>
    public byte[] ReadBytes(string name)
    {
        var info = Info(name);
        if (info.ByteLength > Array.MaxLength)
        {
            throw new NotSupportedException($"{Path}: tensor '{Printable.Text(name)}' has {info.ByteLength} bytes, more than one array holds");
        }
        var bytes = new byte[info.ByteLength];
        ReadExactly(_handle, Path, bytes, _dataStart + info.Begin);
        return bytes;
    }

    /// <summary>The elements of <paramref name="name"/> (F64, F32, F16 or BF16) as float32, row-major.</summary>
    public float[] ReadFloat32(string name)
    {
        var info = Info(name);
        if (!info.DType.IsReadableAsFloat32())
        {
            throw new NotSupportedException($"{Path}: tensor '{Printable.Text(name)}' is {info.DType}, which does not read as float32");
        }
        if (info.Shape.Count > Array.MaxLength)
        {
            throw new NotSupportedException($"{Path}: tensor '{Printable.Text(name)}' has {info.Shape.Count} elements, more than one array holds");
        }
        var values = new float[info.Shape.Count];
        FloatFormats.Decode(ReadBytes(name), info.DType, values);
        return values;
    }

    /// <summary>The tensor <paramref name="name"/> as a new float32 tensor on <paramref name="backend"/>.</summary>
    public Tensor ReadTensor(string name, IBackend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var values = ReadFloat32(name);
        return backend.FromArray(values, Info(name).Shape);
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _handle.Dispose();

    private static void ReadExactly(SafeFileHandle handle, string path, Span<byte> buffer, long offset)
    {
        while (buffer.Length > 0)
        {
            int n = RandomAccess.Read(handle, buffer, offset);
            if (n == 0)
            {
                throw SafetensorsHeader.Bad(path, $"truncated: the file ends at byte {offset}");
            }
            buffer = buffer[n..];
            offset += n;
        }
    }
}
