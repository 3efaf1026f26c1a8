using System.Buffers.Binary;
using System.Text.Json;
using PRoLoRA.Native.IO.Input;
using PRoLoRA.Native.IO.Output;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.IO;

/// <summary>
/// Builds a safetensors file: tensors are added (now, or lazily as a source called during
/// <see cref="Save"/>, one at a time, so a large checkpoint never sits in memory whole), then
/// <see cref="Save"/> writes the 8-byte header size, the JSON header (padded with spaces to 8 bytes)
/// and the data, atomically: a failed save leaves any previous file untouched and no temporary file.
/// The data is ordered by element size, then by name, so every tensor stays aligned to its element.
/// Float data that is NaN or ±Inf, or that overflows the stored dtype (F16 above 65504), is refused
/// with the tensor's name unless <see cref="AllowNonFinite"/>.
/// </summary>
public sealed class SafetensorsWriter
{
    private const int ChunkElements = 1 << 16;
    private readonly List<Entry> _entries = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    /// <summary>The "__metadata__" string map to write (empty: none written).</summary>
    public IDictionary<string, string> Metadata { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Write NaN and ±Inf (and values that overflow F16/BF16) instead of refusing them.</summary>
    public bool AllowNonFinite { get; set; }

    /// <summary>Names added so far.</summary>
    public IReadOnlyCollection<string> Names => _names;

    /// <summary>Adds a copy of float32 <paramref name="data"/> (row-major, <paramref name="shape"/>), stored as <paramref name="dtype"/>.</summary>
    public void Add(string name, ReadOnlySpan<float> data, Shape shape, SafetensorsDType dtype = SafetensorsDType.F32)
    {
        CheckCount(name, data.Length, shape);
        var copy = data.ToArray();
        AddLazy(name, shape, dtype, () => copy);
    }

    /// <summary>Adds a host copy of <paramref name="tensor"/> (any backend, any view), stored as <paramref name="dtype"/>.</summary>
    public void Add(string name, Tensor tensor, SafetensorsDType dtype = SafetensorsDType.F32)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        Add(name, tensor.ToArray(), tensor.Shape, dtype);
    }

    /// <summary>Adds a tensor whose float32 data <paramref name="source"/> gives during <see cref="Save"/>.</summary>
    public void AddLazy(string name, Shape shape, SafetensorsDType dtype, Func<float[]> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!dtype.IsWritableFromFloat32())
        {
            throw new ArgumentException($"tensor '{name}': float32 data cannot be stored as {dtype}; use F32, F16 or BF16", nameof(dtype));
        }
        AddEntry(name, shape, dtype, (stream, destination) =>
        {
            var data = source();
            CheckCount(name, data.Length, shape);
            WriteEncoded(stream, $"{destination}: tensor '{name}'", data, dtype);
        });
    }

    /// <summary>Adds a tensor of any dtype whose raw little-endian bytes <paramref name="source"/> gives during <see cref="Save"/>.</summary>
    public void AddRaw(string name, Shape shape, SafetensorsDType dtype, Func<byte[]> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        AddEntry(name, shape, dtype, (stream, _) =>
        {
            var bytes = source();
            if (bytes.LongLength != shape.Count * dtype.Size())
            {
                throw new InvalidOperationException($"tensor '{name}': the source gave {bytes.LongLength} bytes, but shape {shape} of {dtype} needs {shape.Count * dtype.Size()}");
            }
            stream.Write(bytes);
        });
    }

    /// <summary>Writes the file atomically (temporary file in the same folder, then moved into place).</summary>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        AtomicFile.Write(path, stream => WriteTo(stream, path));
    }

    /// <summary>Writes the file to <paramref name="stream"/> (not atomic; <see cref="Save"/> is); <paramref name="destination"/> names it in errors.</summary>
    internal void WriteTo(Stream stream, string destination)
    {
        var ordered = _entries.OrderByDescending(e => e.DType.Size()).ThenBy(e => e.Name, StringComparer.Ordinal).ToList();
        var header = Header(ordered);
        Span<byte> size = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(size, (ulong)header.Length);
        stream.Write(size);
        stream.Write(header);
        foreach (var e in ordered)
        {
            e.Write(stream, destination);
        }
    }

    private byte[] Header(List<Entry> ordered)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (Metadata.Count > 0)
            {
                json.WriteStartObject(SafetensorsHeader.MetadataKey);
                foreach (var (key, value) in Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    json.WriteString(key, value);
                }
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var e in ordered)
            {
                long bytes = e.Shape.Count * e.DType.Size();
                json.WriteStartObject(e.Name);
                json.WriteString("dtype", e.DType.ToString());
                json.WriteStartArray("shape");
                foreach (var d in e.Shape.ToArray())
                {
                    json.WriteNumberValue(d);
                }
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }
            json.WriteEndObject();
        }
        while (buffer.Length % 8 != 0)
        {
            buffer.WriteByte((byte)' ');
        }
        return buffer.ToArray();
    }

    private void AddEntry(string name, Shape shape, SafetensorsDType dtype, Action<Stream, string> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name == SafetensorsHeader.MetadataKey)
        {
            throw new ArgumentException($"'{SafetensorsHeader.MetadataKey}' is reserved for the metadata", nameof(name));
        }
        if (!_names.Add(name))
        {
            throw new ArgumentException($"tensor '{name}' was already added", nameof(name));
        }
        _entries.Add(new Entry(name, shape, dtype, write));
    }

    private static void CheckCount(string name, long count, Shape shape)
    {
        if (count != shape.Count)
        {
            throw new ArgumentException($"tensor '{name}': {count} elements do not fill shape {shape} ({shape.Count} elements)", nameof(shape));
        }
    }

    private void WriteEncoded(Stream stream, string tensor, float[] data, SafetensorsDType dtype)
    {
        if (!AllowNonFinite)
        {
            FiniteCheck.Require(data, tensor);
        }
        int size = dtype.Size();
        var bytes = new byte[Math.Min(data.Length, ChunkElements) * size];
        for (int start = 0; start < data.Length; start += ChunkElements)
        {
            int n = Math.Min(ChunkElements, data.Length - start);
            var chunk = bytes.AsSpan(0, n * size);
            FloatFormats.Encode(data.AsSpan(start, n), dtype, chunk);
            if (!AllowNonFinite && FloatFormats.IndexOfNonFinite(chunk, dtype) is >= 0 and int i)
            {
                throw new InvalidDataException($"{tensor}: {data[start + i]} at element {start + i} is beyond the range of {dtype}; store it as F32 (or allow non-finite values)");
            }
            stream.Write(chunk);
        }
    }

    private sealed record Entry(string Name, Shape Shape, SafetensorsDType DType, Action<Stream, string> Write);
}
