using System.Text.Json;

namespace PRoLoRA.Native.Quantization;

/// <summary>
/// The non-tensor part of a bitsandbytes 4-bit quant state, as <c>QuantState.as_dict(packed=True)</c>
/// stores it in the U8 tensor <c>X.weight.quant_state.bitsandbytes__nf4</c>: the UTF-8 bytes of a
/// JSON object with quant_type, blocksize, dtype (the torch name of the source dtype, "torch."
/// stripped) and shape, plus nested_blocksize, nested_dtype and nested_offset when the absmax
/// values are double-quantised.
/// </summary>
/// <param name="QuantType">"nf4" (bitsandbytes also writes "fp4", which is not supported here).</param>
/// <param name="BlockSize">Values per absmax block.</param>
/// <param name="DType">The torch dtype name of the weight before quantisation ("float32", "bfloat16", ...).</param>
/// <param name="Shape">The weight's shape before packing ([out, in] for a linear).</param>
/// <param name="NestedBlockSize">Absmax values per nested block, or null without double quantisation.</param>
/// <param name="NestedDType">The nested absmax dtype ("float32"), or null without double quantisation.</param>
/// <param name="NestedOffset">The mean subtracted from the absmax values, or null without double quantisation.</param>
public sealed record Bnb4BitState(string QuantType, int BlockSize, string DType, long[] Shape, int? NestedBlockSize = null, string? NestedDType = null, float? NestedOffset = null)
{
    /// <summary>The tensor-name suffix (after <c>X.weight.</c>) of the state of an NF4 weight.</summary>
    public const string Nf4Key = "quant_state.bitsandbytes__nf4";

    /// <summary>True when the state carries the nested (double quantisation) fields.</summary>
    public bool Nested => NestedBlockSize is not null;

    /// <summary>The JSON bytes, keys in the order bitsandbytes writes them.</summary>
    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("quant_type", QuantType);
            json.WriteNumber("blocksize", BlockSize);
            json.WriteString("dtype", DType);
            json.WriteStartArray("shape");
            foreach (var d in Shape)
            {
                json.WriteNumberValue(d);
            }
            json.WriteEndArray();
            if (Nested)
            {
                json.WriteNumber("nested_blocksize", NestedBlockSize!.Value);
                json.WriteString("nested_dtype", NestedDType);
                json.WriteNumber("nested_offset", (double)NestedOffset!.Value);
            }
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>
    /// Parses stored state bytes. A state is nested when it has nested_offset; then
    /// nested_blocksize and nested_dtype must be there too.
    /// </summary>
    /// <exception cref="FormatException">The bytes are not such a JSON object; the message says what is wrong.</exception>
    public static Bnb4BitState Parse(ReadOnlySpan<byte> bytes)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes.ToArray());
        }
        catch (JsonException e)
        {
            throw new FormatException($"the quant state is not JSON: {e.Message}", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"the quant state is a JSON {root.ValueKind}, not an object");
            }
            var shape = Field(root, "shape", JsonValueKind.Array);
            var dims = shape.EnumerateArray().Select(d => d.ValueKind == JsonValueKind.Number && d.TryGetInt64(out long v) && v >= 0 ? v : throw new FormatException($"quant state shape {shape.GetRawText()} is not a list of sizes")).ToArray();
            bool nested = root.TryGetProperty("nested_offset", out _);
            return new Bnb4BitState(
                Field(root, "quant_type", JsonValueKind.String).GetString()!,
                BlockSizeOf(root, "blocksize"),
                Field(root, "dtype", JsonValueKind.String).GetString()!,
                dims,
                nested ? BlockSizeOf(root, "nested_blocksize") : null,
                nested ? Field(root, "nested_dtype", JsonValueKind.String).GetString() : null,
                nested ? Offset(Field(root, "nested_offset", JsonValueKind.Number)) : null);
        }
    }

    private static float Offset(JsonElement e)
    {
        float v = (float)e.GetDouble();
        return float.IsFinite(v) ? v : throw new FormatException($"quant state nested_offset {e.GetRawText()} is not a finite float32");
    }

    private static int BlockSizeOf(JsonElement root, string key)
    {
        var e = Field(root, key, JsonValueKind.Number);
        return e.TryGetInt32(out int v) && v > 0 ? v : throw new FormatException($"quant state {key} {e.GetRawText()} is not a positive integer");
    }

    private static JsonElement Field(JsonElement root, string key, JsonValueKind kind)
    {
        if (!root.TryGetProperty(key, out var e))
        {
            throw new FormatException($"the quant state has no \"{key}\"");
        }
        return e.ValueKind == kind ? e : throw new FormatException($"quant state \"{key}\" is {e.ValueKind}, not {kind}");
    }
}
