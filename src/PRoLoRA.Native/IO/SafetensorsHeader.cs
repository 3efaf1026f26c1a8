using System.Text;
using System.Text.Json;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.IO;

/// <summary>
/// Parses and checks a safetensors header against the format's rules: a JSON object of tensor
/// entries {dtype, shape, data_offsets} plus an optional "__metadata__" string map; no duplicate
/// names; every entry's byte range matches its dtype and shape; the ranges tile the data region
/// exactly (no overlap, no hole, nothing after the last tensor).
/// </summary>
internal static class SafetensorsHeader
{
    /// <summary>The reference implementation's limit on the header size.</summary>
    public const long MaxSize = 100_000_000;

    /// <summary>The reserved key of the string→string metadata.</summary>
    public const string MetadataKey = "__metadata__";

    public static (IReadOnlyList<SafetensorsTensorInfo> Tensors, IReadOnlyDictionary<string, string> Metadata) Parse(string path, ReadOnlySpan<byte> header, long dataLength)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(header);
        }
        catch (DecoderFallbackException)
        {
            throw Bad(path, "header is not valid UTF-8");
        }
        if (!text.StartsWith('{'))
        {
            throw Bad(path, "header is not JSON: it must be a JSON object starting with '{'");
        }
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw Bad(path, $"header is not valid JSON: {e.Message}");
        }
        using (doc)
        {
            var tensors = new List<SafetensorsTensorInfo>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                {
                    throw Bad(path, $"duplicate tensor name '{property.Name}' in the header");
                }
                if (property.Name == MetadataKey)
                {
                    ReadMetadata(path, property.Value, metadata);
                }
                else
                {
                    tensors.Add(ReadEntry(path, property.Name, property.Value));
                }
            }
            CheckCoverage(path, tensors, dataLength);
            return (tensors, metadata);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Bad(path, "__metadata__ must be an object mapping strings to strings");
        }
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw Bad(path, $"__metadata__ value of '{item.Name}' is {item.Value.ValueKind}, not a string");
            }
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
            {
                throw Bad(path, $"duplicate __metadata__ key '{item.Name}'");
            }
        }
    }

    private static SafetensorsTensorInfo ReadEntry(string path, string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Bad(path, $"tensor '{name}': entry must be an object with dtype, shape and data_offsets");
        }
        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw Bad(path, $"tensor '{name}': dtype is missing or not a string");
        }
        var dtypeName = dtypeElement.GetString()!;
        if (!SafetensorsDTypes.TryParse(dtypeName, out var dtype))
        {
            throw Bad(path, $"tensor '{name}': unknown dtype '{dtypeName}'");
        }
        var dims = Integers(path, name, value, "shape", null);
        var offsets = Integers(path, name, value, "data_offsets", 2);
        long begin = offsets[0], end = offsets[1];
        if (end < begin)
        {
            throw Bad(path, $"tensor '{name}': data_offsets [{begin}, {end}] end before they begin");
        }
        if (dims.Any(d => d > int.MaxValue))
        {
            throw Bad(path, $"tensor '{name}': shape [{string.Join(", ", dims)}] has an extent beyond {int.MaxValue}");
        }
        var shape = new Shape([.. dims.Select(d => (int)d)]);
        long expected;
        try
        {
            expected = checked(dims.Aggregate(1L, (n, d) => n * d) * dtype.Size());
        }
        catch (OverflowException)
        {
            throw Bad(path, $"tensor '{name}': shape {shape} of {dtype} is too large");
        }
        if (expected != end - begin)
        {
            throw Bad(path, $"tensor '{name}': shape {shape} of {dtype} needs {expected} bytes but data_offsets [{begin}, {end}] give {end - begin} (shape/size mismatch)");
        }
        return new SafetensorsTensorInfo(name, dtype, shape, begin, end);
    }

    private static long[] Integers(string path, string name, JsonElement entry, string field, int? count)
    {
        if (!entry.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            throw Bad(path, $"tensor '{name}': {field} is missing or not an array");
        }
        var values = new List<long>();
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long v) || v < 0)
            {
                throw Bad(path, $"tensor '{name}': {field} must hold non-negative integers, found {item.GetRawText()}");
            }
            values.Add(v);
        }
        if (count is { } n && values.Count != n)
        {
            throw Bad(path, $"tensor '{name}': {field} must have {n} entries, found {values.Count}");
        }
        return [.. values];
    }

    /// <summary>The byte ranges, in order, must start at 0, follow each other without gap or overlap, and end at the data region's end.</summary>
    private static void CheckCoverage(string path, List<SafetensorsTensorInfo> tensors, long dataLength)
    {
        tensors.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long covered = 0;
        string previous = "the start of the data region";
        foreach (var t in tensors)
        {
            if (t.Begin < covered)
            {
                throw Bad(path, $"tensor '{t.Name}': data_offsets [{t.Begin}, {t.End}] overlap {previous}, which ends at {covered}");
            }
            if (t.Begin > covered)
            {
                throw Bad(path, $"tensor '{t.Name}': data_offsets [{t.Begin}, {t.End}] leave a hole of {t.Begin - covered} bytes after {previous} (byte {covered})");
            }
            if (t.End > dataLength)
            {
                throw Bad(path, $"tensor '{t.Name}': data_offsets [{t.Begin}, {t.End}] are out of range: the data region has only {dataLength} bytes (truncated file?)");
            }
            covered = t.End;
            previous = $"tensor '{t.Name}'";
        }
        if (covered != dataLength)
        {
            throw Bad(path, $"the data region has {dataLength} bytes but the tensors cover only {covered}: {dataLength - covered} trailing bytes not covered by any tensor");
        }
    }

    public static InvalidDataException Bad(string path, string problem) => new($"{path}: not a valid safetensors file: {problem}");
}
