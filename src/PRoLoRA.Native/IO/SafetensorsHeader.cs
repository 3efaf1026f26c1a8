using System.Text;
using PRoLoRA.Native.IO.Input;
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

    public static (IReadOnlyList<SafetensorsTensorInfo> Tensors, IReadOnlyDictionary<string, string> Metadata) Parse(string path, ReadOnlyMemory<byte> header, long dataLength)
    {
        try
        {
            _ = new UTF8Encoding(false, true).GetCharCount(header.Span);
        }
        catch (DecoderFallbackException)
        {
            throw Bad(path, "header is not valid UTF-8");
        }
        if (header.Length == 0 || header.Span[0] != (byte)'{')
        {
            throw Bad(path, "header is not JSON: it must be a JSON object starting with '{'");
        }
        var root = JsonInput.Parse($"{path}: not a valid safetensors file: header", header).Object();
        var tensors = new List<SafetensorsTensorInfo>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in root.Properties())
        {
            if (name == MetadataKey)
            {
                foreach (var (key, item) in value.Object().Properties())
                {
                    metadata.Add(key, item.String());
                }
            }
            else
            {
                tensors.Add(ReadEntry(path, name, value));
            }
        }
        CheckCoverage(path, tensors, dataLength);
        return (tensors, metadata);
    }

    private static SafetensorsTensorInfo ReadEntry(string path, string name, JsonField entry)
    {
        var dtypeField = entry.Object()["dtype"];
        var dtypeName = dtypeField.String();
        if (!SafetensorsDTypes.TryParse(dtypeName, out var dtype))
        {
            throw dtypeField.Error($"unknown dtype '{Printable.Text(dtypeName)}'");
        }
        var dims = entry["shape"].Items().Select(d => d.Int64(0, int.MaxValue)).ToArray();
        var offsets = entry["data_offsets"].Items(2).Select(d => d.Int64(0)).ToArray();
        long begin = offsets[0], end = offsets[1];
        string tensor = $"tensor '{Printable.Text(name)}'";
        if (end < begin)
        {
            throw Bad(path, $"{tensor}: data_offsets [{begin}, {end}] end before they begin");
        }
        long expected;
        try
        {
            expected = checked(dims.Aggregate(1L, (n, d) => n * d) * dtype.Size());
        }
        catch (OverflowException)
        {
            throw Bad(path, $"{tensor}: shape [{string.Join(", ", dims)}] of {dtype} is too large");
        }
        var shape = new Shape([.. dims.Select(d => (int)d)]);
        if (expected != end - begin)
        {
            throw Bad(path, $"{tensor}: shape {shape} of {dtype} needs {expected} bytes but data_offsets [{begin}, {end}] give {end - begin} (shape/size mismatch)");
        }
        return new SafetensorsTensorInfo(name, dtype, shape, begin, end);
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
                throw Bad(path, $"tensor '{Printable.Text(t.Name)}': data_offsets [{t.Begin}, {t.End}] overlap {previous}, which ends at {covered}");
            }
            if (t.Begin > covered)
            {
                throw Bad(path, $"tensor '{Printable.Text(t.Name)}': data_offsets [{t.Begin}, {t.End}] leave a hole of {t.Begin - covered} bytes after {previous} (byte {covered})");
            }
            if (t.End > dataLength)
            {
                throw Bad(path, $"tensor '{Printable.Text(t.Name)}': data_offsets [{t.Begin}, {t.End}] are out of range: the data region has only {dataLength} bytes (truncated file?)");
            }
            covered = t.End;
            previous = $"tensor '{Printable.Text(t.Name)}'";
        }
        if (covered != dataLength)
        {
            throw Bad(path, $"the data region has {dataLength} bytes but the tensors cover only {covered}: {dataLength - covered} trailing bytes not covered by any tensor");
        }
    }

    public static InvalidDataException Bad(string path, string problem) => new($"{path}: not a valid safetensors file: {problem}");
}
