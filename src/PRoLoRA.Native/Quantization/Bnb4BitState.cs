using System.Text.Json;
using PRoLoRA.Native.IO.Input;

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
    /// Parses stored state bytes through the hardened JSON reader (<see cref="JsonInput"/>: bounded depth, no
    /// duplicate keys, valid text). A state is nested when it has nested_offset; then nested_blocksize and
    /// nested_dtype must be there too. Messages start with <paramref name="source"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">The bytes are not such a JSON object; the message says what is wrong.</exception>
    internal static Bnb4BitState Parse(string source, ReadOnlyMemory<byte> bytes)
    {
        var root = JsonInput.Parse(source, bytes).Object();
        var nested = root.Optional("nested_offset");
        return new Bnb4BitState(
            root["quant_type"].String(),
            root["blocksize"].Int32(min: 1),
            root["dtype"].String(),
            [.. root["shape"].Items().Select(d => d.Int64(min: 0))],
            nested is null ? null : root["nested_blocksize"].Int32(min: 1),
            nested is null ? null : root["nested_dtype"].String(),
            nested?.Single());
    }
}
