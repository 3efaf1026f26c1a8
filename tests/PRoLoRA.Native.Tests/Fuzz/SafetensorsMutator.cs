using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using PRoLoRA.Native.IO;

namespace PRoLoRA.Native.Tests.Fuzz;

/// <summary>
/// Seeded mutations of safetensors files, aware of the layout (8-byte little-endian header size,
/// JSON header, data region): the header mutated as JSON with the size prefix repaired (or
/// deliberately left stale), the size prefix set to boundary values, NaN/±Inf/overflowing bit
/// patterns written into the data region, one tensor's dtype or shape changed with every tensor's
/// data_offsets and the data region re-laid to match (a valid file that asks more of the reader),
/// or plain byte mutations of the whole file.
/// </summary>
internal sealed class SafetensorsMutator(Mutator bytes, JsonMutator json)
{
    /// <summary>Largest data region a re-laid file may get (keeps cases fast).</summary>
    private const long MaxRelaidData = 1 << 20;

    private static readonly uint[] Float32Patterns =
        [0x7FC00000, 0xFFC00000, 0x7F800001, 0x7F800000, 0xFF800000, 0x80000000, 0x00000001, 0x7F7FFFFF, 0xFF7FFFFF, 0x477FF000, 0x7F000000];

    private static readonly ushort[] Float16Patterns = [0x7C00, 0xFC00, 0x7E00, 0x7C01, 0x7F80, 0xFF80, 0x7FC0, 0x8000, 0x0001, 0x7BFF, 0x7F7F];

    private static readonly ulong[] Float64Patterns =
        [0x7FF8000000000000, 0x7FF0000000000000, 0xFFF0000000000000, 0x8000000000000000, 0x7FEFFFFFFFFFFFFF, 0x7E37E43C8800759C /* 1e300 */, 0x48078C1E1B9D8A11 /* 1e39 */];

    private Random Rng => bytes.Rng;

    /// <summary>One layout-aware mutation of <paramref name="file"/> (two, one time in four).</summary>
    public byte[] Mutate(byte[] file, IReadOnlyList<byte[]> others)
    {
        file = Once(file, others);
        return bytes.Chance(0.25) ? Once(file, others) : file;
    }

    private byte[] Once(byte[] file, IReadOnlyList<byte[]> others)
    {
        if (!Split(file, out var header, out var data))
        {
            return bytes.Bytes(file, others);
        }
        var otherHeaders = others.Select(o => Split(o, out var h, out _) ? h : o).ToList();
        switch (Rng.Next(12))
        {
            case 0 or 1 or 2 or 3:
                return Join(json.Mutate(header, otherHeaders), data);
            case 4:
                return [.. file[..8], .. json.Mutate(header, otherHeaders), .. data];
            case 5:
                return Prefix(file, header.Length);
            case 6 or 7:
                return Join(header, Patterns(data));
            case 8 or 9:
                return Relaid(header, data) ?? Join(json.Mutate(header, otherHeaders), data);
            default:
                return bytes.Bytes(file, others);
        }
    }

    /// <summary>The header and data of a file whose size prefix is consistent; false otherwise.</summary>
    public static bool Split(byte[] file, out byte[] header, out byte[] data)
    {
        header = data = [];
        if (file.Length < 8)
        {
            return false;
        }
        ulong size = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (size > (ulong)(file.Length - 8))
        {
            return false;
        }
        header = file[8..(8 + (int)size)];
        data = file[(8 + (int)size)..];
        return true;
    }

    /// <summary>A file of <paramref name="header"/> and <paramref name="data"/> with a correct size prefix.</summary>
    public static byte[] Join(byte[] header, byte[] data)
    {
        var file = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
        header.CopyTo(file, 8);
        data.CopyTo(file, 8 + header.Length);
        return file;
    }

    /// <summary><paramref name="file"/> with its header object edited by <paramref name="edit"/> (prefix repaired); null when the header is not a JSON object.</summary>
    public static byte[]? EditHeader(byte[] file, Action<JsonObject> edit)
        => Split(file, out var header, out var data) && JsonMutator.Edit(header, edit) is { } edited ? Join(edited, data) : null;

    private byte[] Prefix(byte[] file, int headerLength)
    {
        long length = file.Length;
        ulong[] sizes =
        [
            0, 1, 2, 7, 8, (ulong)headerLength - 1, (ulong)headerLength + 1, (ulong)headerLength + 8, (ulong)(length - 8), (ulong)(length - 7), (ulong)length,
            100_000_000, 100_000_001, int.MaxValue, 1UL << 31, 1UL << 32, long.MaxValue, 1UL << 63, ulong.MaxValue,
        ];
        var result = (byte[])file.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(result, bytes.Chance(0.8) ? bytes.Pick(sizes) : (ulong)Rng.NextInt64());
        return result;
    }

    /// <summary>1 to 3 NaN, ±Inf, −0, subnormal or beyond-F16 bit patterns written at element-aligned places of the data region.</summary>
    private byte[] Patterns(byte[] data)
    {
        var result = (byte[])data.Clone();
        int writes = 1 + Rng.Next(3);
        for (int i = 0; i < writes; i++)
        {
            int width = bytes.Pick([4, 4, 2, 8]);
            if (result.Length < width)
            {
                break;
            }
            var at = result.AsSpan(width * Rng.Next(result.Length / width), width);
            switch (width)
            {
                case 2:
                    BinaryPrimitives.WriteUInt16LittleEndian(at, bytes.Pick(Float16Patterns));
                    break;
                case 4:
                    BinaryPrimitives.WriteUInt32LittleEndian(at, bytes.Pick(Float32Patterns));
                    break;
                default:
                    BinaryPrimitives.WriteUInt64LittleEndian(at, bytes.Pick(Float64Patterns));
                    break;
            }
        }
        return result;
    }

    /// <summary>
    /// One tensor's dtype or shape changed, then every tensor's data_offsets recomputed (in the
    /// order of their data) and the data region rebuilt to match: each tensor keeps what fits of its
    /// old bytes and is padded with random ones. Null when the header is not one this can re-lay.
    /// </summary>
    private byte[]? Relaid(byte[] header, byte[] data)
    {
        try
        {
            return JsonNode.Parse(header) is JsonObject root ? Relaid(root, data) : null;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or ArgumentException or InvalidOperationException)
        {
            // Not JSON, or a duplicate key (JsonObject throws when it is first read).
            return null;
        }
    }

    private byte[]? Relaid(JsonObject root, byte[] data)
    {
        var entries = root.Where(p => p.Key != "__metadata__").Select(p => Entry.Of(p.Value)).ToList();
        if (entries.Count == 0 || entries.Any(e => e is null))
        {
            return null;
        }
        var tensors = entries.Select(e => e!).OrderBy(e => e.Begin).ToList();
        var target = bytes.Pick(tensors);
        if (bytes.Chance(0.5))
        {
            target.DType = bytes.Pick(Enum.GetValues<SafetensorsDType>());
        }
        else
        {
            target.Shape = ReShape(target.Shape);
        }
        long total = 0;
        foreach (var t in tensors)
        {
            total += t.Bytes;
            if (t.Bytes < 0 || total > MaxRelaidData)
            {
                return null;
            }
        }
        using var relaid = new MemoryStream();
        foreach (var t in tensors)
        {
            long begin = relaid.Length;
            long size = t.Bytes;
            var old = t.Begin < t.End && t.End <= data.Length ? data[(int)t.Begin..(int)t.End] : [];
            relaid.Write(old, 0, (int)Math.Min(old.Length, size));
            relaid.Write(bytes.RandomBytes((int)Math.Max(0, size - old.Length)));
            t.Write(begin, begin + size);
        }
        var text = Encoding.UTF8.GetBytes(root.ToJsonString());
        if (bytes.Chance(0.5))
        {
            text = [.. text, .. Enumerable.Repeat((byte)' ', (8 - (text.Length % 8)) % 8)];
        }
        return Join(text, relaid.ToArray());
    }

    private int[] ReShape(int[] shape)
    {
        var dims = shape.ToList();
        int i = dims.Count == 0 ? 0 : Rng.Next(dims.Count);
        switch (dims.Count == 0 ? 0 : Rng.Next(7))
        {
            case 0:
                dims.Insert(Rng.Next(dims.Count + 1), 1);
                break;
            case 1:
                dims[i] += 1;
                break;
            case 2:
                dims[i] = Math.Max(0, dims[i] - 1);
                break;
            case 3:
                dims[i] = 0;
                break;
            case 4:
                dims.RemoveAt(i);
                break;
            case 5:
                dims.Reverse();
                break;
            default:
                dims[i] *= 2;
                break;
        }
        return [.. dims];
    }

    /// <summary>A header entry being re-laid: its dtype, shape and old byte range, written back into its JSON object.</summary>
    private sealed class Entry
    {
        private readonly JsonObject _node;

        private Entry(JsonObject node, SafetensorsDType dtype, int[] shape, long begin, long end)
        {
            _node = node;
            DType = dtype;
            Shape = shape;
            Begin = begin;
            End = end;
        }

        public SafetensorsDType DType { get; set; }

        public int[] Shape { get; set; }

        public long Begin { get; }

        public long End { get; }

        /// <summary>Bytes the dtype and shape need; −1 when more than a re-laid file may hold (or the shape is invalid).</summary>
        public long Bytes
        {
            get
            {
                long n = DType.Size();
                foreach (int d in Shape)
                {
                    if (d < 0 || (d > 0 && n > MaxRelaidData / d))
                    {
                        return -1;
                    }
                    n *= d;
                }
                return n;
            }
        }

        /// <summary>The entry, or null when it is not a well-formed {dtype, shape, data_offsets}.</summary>
        public static Entry? Of(JsonNode? node)
        {
            if (node is not JsonObject o || o["dtype"] is not JsonValue name || !name.TryGetValue(out string? text) || !SafetensorsDTypes.TryParse(text, out var dtype)
                || o["shape"] is not JsonArray dims || o["data_offsets"] is not JsonArray offsets || offsets.Count != 2)
            {
                return null;
            }
            var shape = new int[dims.Count];
            for (int i = 0; i < shape.Length; i++)
            {
                if (dims[i] is not JsonValue d || !d.TryGetValue(out shape[i]) || shape[i] < 0)
                {
                    return null;
                }
            }
            return offsets[0] is JsonValue b && b.TryGetValue(out long begin) && offsets[1] is JsonValue e && e.TryGetValue(out long end)
                ? new Entry(o, dtype, shape, begin, end)
                : null;
        }

        public void Write(long begin, long end)
        {
            _node["dtype"] = DType.ToString();
            _node["shape"] = new JsonArray([.. Shape.Select(d => (JsonNode?)d)]);
            _node["data_offsets"] = new JsonArray(begin, end);
        }
    }
}
