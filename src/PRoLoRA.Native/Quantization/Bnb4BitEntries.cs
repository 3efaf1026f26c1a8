using PRoLoRA.Native.IO;
using PRoLoRA.Native.IO.Input;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Quantization;

/// <summary>
/// The safetensors entries of one pre-quantised bitsandbytes NF4 weight <c>X.weight</c>, as
/// transformers saves a 4-bit model: <c>X.weight</c> (U8, the packed indices, [ceil(n/2), 1]),
/// <c>X.weight.absmax</c> (F32 per block, or U8 codes when double-quantised),
/// <c>X.weight.quant_map</c> (F32, the 16 NF4 values), with double quantisation
/// <c>X.weight.nested_absmax</c> (F32) and <c>X.weight.nested_quant_map</c> (F32, 256), and
/// <c>X.weight.quant_state.bitsandbytes__nf4</c> (U8, the <see cref="Bnb4BitState"/> JSON).
/// </summary>
internal static class Bnb4BitEntries
{
    public const string Absmax = ".absmax";
    public const string QuantMap = ".quant_map";
    public const string NestedAbsmax = ".nested_absmax";
    public const string NestedQuantMap = ".nested_quant_map";
    public const string State = "." + Bnb4BitState.Nf4Key;

    private static readonly string[] Suffixes = [Absmax, QuantMap, NestedAbsmax, NestedQuantMap, State];

    /// <summary>True when <paramref name="name"/> is an entry that belongs to a quantised weight the file holds (its state is there).</summary>
    public static bool IsCompanion(string name, Func<string, bool> contains)
        => Suffixes.Any(s => name.EndsWith(s, StringComparison.Ordinal) && contains(name[..^s.Length] + State));

    /// <summary>Adds the entries of <paramref name="name"/> (shape [out, in]) to <paramref name="writer"/>; <paramref name="quantized"/> is called during the save.</summary>
    public static void Add(SafetensorsWriter writer, string name, Shape shape, string torchDType, bool doubleQuantize, Func<Nf4Tensor> quantized)
    {
        long count = shape.Count;
        int n = checked((int)count);
        int blocks = Nf4.BlockCount(n);
        writer.AddRaw(name, new Shape(Nf4.PackedLength(n), 1), SafetensorsDType.U8, () => quantized().Packed);
        writer.AddRaw(name + QuantMap, new Shape(16), SafetensorsDType.F32, () => Bytes(Nf4.CodeValues));
        if (doubleQuantize)
        {
            int nested = Nf4.BlockCount(blocks, Blockwise8Bit.DefaultBlockSize);
            writer.AddRaw(name + Absmax, new Shape(blocks), SafetensorsDType.U8, () => quantized().QuantizedAbsmax!.Codes);
            writer.AddRaw(name + NestedAbsmax, new Shape(nested), SafetensorsDType.F32, () => Bytes(quantized().QuantizedAbsmax!.NestedAbsmax));
            writer.AddRaw(name + NestedQuantMap, new Shape(DynamicMap.Size), SafetensorsDType.F32, () => Bytes(quantized().QuantizedAbsmax!.Map));
        }
        else
        {
            writer.AddRaw(name + Absmax, new Shape(blocks), SafetensorsDType.F32, () => Bytes(quantized().Absmax!));
        }
        writer.AddRaw(name + State, new Shape(StateBytes(quantized, shape, torchDType, doubleQuantize).Length), SafetensorsDType.U8, () => StateBytes(quantized, shape, torchDType, doubleQuantize));
    }

    /// <summary>
    /// Reads and dequantises the NF4 weight <paramref name="name"/> (which must be <paramref name="shape"/>);
    /// <paramref name="find"/> gives the file that holds an entry, or null. Anything inconsistent is an
    /// <see cref="InvalidDataException"/> naming the file and the tensor.
    /// </summary>
    public static float[] Dequantize(string name, Shape shape, Func<string, SafetensorsFile?> find)
    {
        var values = Nf4.Dequantize(Read(name, shape, find));
        FiniteCheck.Require(values, $"{find(name)!.Path}: quantised tensor '{Printable.Text(name)}'");
        return values;
    }

    /// <summary>
    /// Reads the NF4 weight <paramref name="name"/> (which must be <paramref name="shape"/>) as it is stored,
    /// its absmax values double-quantised when they are in the file; <paramref name="find"/> gives the file
    /// that holds an entry, or null. Anything inconsistent, or an absmax value that is NaN or ±Inf, is an
    /// <see cref="InvalidDataException"/> naming the file and the tensor.
    /// </summary>
    public static Nf4Tensor Read(string name, Shape shape, Func<string, SafetensorsFile?> find)
    {
        var file = find(name)!;
        InvalidDataException Bad(string what) => new($"{file.Path}: quantised tensor '{Printable.Text(name)}': {what}");
        var stateFile = find(name + State) ?? throw Bad($"no {name + State}");
        var state = Bnb4BitState.Parse($"{file.Path}: quantised tensor '{Printable.Text(name)}': quant state", Entry(stateFile, name + State, SafetensorsDType.U8, null, Bad));
        if (state.QuantType == "fp4")
        {
            throw Bad("quant_type fp4 is not supported (only nf4)");
        }
        if (state.QuantType != "nf4")
        {
            throw Bad($"unknown quant_type \"{Printable.Text(state.QuantType)}\" (only nf4)");
        }
        if (!state.Shape.SequenceEqual(shape.ToArray().Select(d => (long)d)))
        {
            throw Bad($"the quant state's shape [{string.Join(", ", state.Shape)}] is not [{string.Join(", ", shape.ToArray())}], which config.json makes it");
        }
        int n = checked((int)shape.Count);
        int blocks = Nf4.BlockCount(n, state.BlockSize);
        var packed = Entry(file, name, SafetensorsDType.U8, Nf4.PackedLength(n), Bad);
        var map = Floats(Entry(Need(find, name + QuantMap, Bad), name + QuantMap, SafetensorsDType.F32, 16, Bad));
        if (!map.AsSpan().SequenceEqual(Nf4.CodeValues))
        {
            throw Bad("quant_map is not the 16 NF4 code values");
        }
        var absmaxFile = Need(find, name + Absmax, Bad);
        Nf4Tensor tensor;
        if (state.Nested)
        {
            int nestedBlocks = Nf4.BlockCount(blocks, state.NestedBlockSize!.Value);
            if (state.NestedDType != "float32")
            {
                throw Bad($"nested_dtype \"{Printable.Text(state.NestedDType!)}\" is not float32");
            }
            var codes = Entry(absmaxFile, name + Absmax, SafetensorsDType.U8, blocks, Bad);
            var nested = Floats(Entry(Need(find, name + NestedAbsmax, Bad), name + NestedAbsmax, SafetensorsDType.F32, nestedBlocks, Bad));
            var nestedMap = Floats(Entry(Need(find, name + NestedQuantMap, Bad), name + NestedQuantMap, SafetensorsDType.F32, DynamicMap.Size, Bad));
            tensor = new Nf4Tensor(n, state.BlockSize, packed, new Nf4DoubleQuant(codes, nested, nestedMap, state.NestedOffset!.Value, state.NestedBlockSize.Value));
        }
        else
        {
            tensor = new Nf4Tensor(n, state.BlockSize, packed, Floats(Entry(absmaxFile, name + Absmax, SafetensorsDType.F32, blocks, Bad)));
        }
        var absmax = tensor.BlockAbsmax();
        int bad = Array.FindIndex(absmax, a => !float.IsFinite(a));
        if (bad >= 0)
        {
            throw Bad($"the absmax of block {bad} is {absmax[bad]}; the weight's values would not be finite");
        }
        return tensor;
    }

    private static SafetensorsFile Need(Func<string, SafetensorsFile?> find, string entry, Func<string, InvalidDataException> bad)
        => find(entry) ?? throw bad($"no {Printable.Text(entry)}");

    // The entry's bytes; it must be dtype and, when count is given, hold exactly count elements.
    private static byte[] Entry(SafetensorsFile file, string entry, SafetensorsDType dtype, int? count, Func<string, InvalidDataException> bad)
    {
        var info = file.Info(entry);
        if (info.DType != dtype)
        {
            throw bad($"{Printable.Text(entry)} is {info.DType}, not {dtype}");
        }
        if (count is { } c && info.Shape.Count != c)
        {
            throw bad($"{Printable.Text(entry)} has {info.Shape.Count} elements (shape {info.Shape}), not the {c} the weight's size and blocksize need");
        }
        return file.ReadBytes(entry);
    }

    private static float[] Floats(byte[] bytes)
    {
        var values = new float[bytes.Length / 4];
        FloatFormats.Decode(bytes, SafetensorsDType.F32, values);
        return values;
    }

    private static byte[] Bytes(ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * 4];
        FloatFormats.Encode(values, SafetensorsDType.F32, bytes);
        return bytes;
    }

    // The state's length depends on the offset when nested, so the tensor is quantised to size the entry.
    private static byte[] StateBytes(Func<Nf4Tensor> quantized, Shape shape, string torchDType, bool doubleQuantize)
    {
        var dims = shape.ToArray().Select(d => (long)d).ToArray();
        return doubleQuantize
            ? new Bnb4BitState("nf4", Nf4.DefaultBlockSize, torchDType, dims, Blockwise8Bit.DefaultBlockSize, "float32", quantized().QuantizedAbsmax!.Offset).ToJson()
            : new Bnb4BitState("nf4", Nf4.DefaultBlockSize, torchDType, dims).ToJson();
    }
}
