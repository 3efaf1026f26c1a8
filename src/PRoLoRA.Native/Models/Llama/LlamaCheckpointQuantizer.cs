using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PRoLoRA.Native.IO;
using PRoLoRA.Native.IO.Output;
using PRoLoRA.Native.Quantization;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Models.Llama;

/// <summary>
/// Rewrites a LLaMA checkpoint folder with its weights stored as NF4 or BF16
/// (<see cref="CheckpointStorage"/>), as one atomic folder save of config.json, model.safetensors and
/// the tokenizer's files. NF4 follows the layout transformers saves for a model loaded with
/// bitsandbytes' <c>load_in_4bit</c> (see <see cref="Bnb4BitEntries"/>): the seven linears of every
/// layer are quantised in blocks of 64, norms, embeddings and lm_head keep their stored dtype, and
/// config.json gains a <c>quantization_config</c>. Source tensors are read one at a time; the
/// quantised linears are held until the file is written (about a quarter of their BF16 size).
/// </summary>
public static partial class LlamaCheckpointQuantizer
{
    /// <summary>The files copied beside the weights when the source folder has them.</summary>
    public static readonly IReadOnlyList<string> TokenizerFiles =
        ["tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json", "generation_config.json"];

    /// <summary>True for the weights NF4 quantises: q/k/v/o_proj and gate/up/down_proj of every layer.</summary>
    public static bool IsQuantizedLinear(string name) => LinearName().IsMatch(name);

    /// <summary>
    /// Writes <paramref name="source"/>'s checkpoint to <paramref name="destination"/> stored as
    /// <paramref name="storage"/>, the NF4 absmax values double-quantised when
    /// <paramref name="doubleQuantize"/>. An already quantised source is refused.
    /// </summary>
    /// <exception cref="ArgumentException">Double quantisation asked for BF16, or the source is quantised already.</exception>
    public static void Quantize(string source, string destination, CheckpointStorage storage, bool doubleQuantize = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentException.ThrowIfNullOrEmpty(destination);
        if (doubleQuantize && storage != CheckpointStorage.Nf4)
        {
            throw new ArgumentException("double quantisation applies only to NF4", nameof(doubleQuantize));
        }
        _ = LlamaConfig.Load(source);
        var configPath = Path.Combine(source, LlamaConfig.FileName);
        var config = JsonNode.Parse(File.ReadAllBytes(configPath)) as JsonObject ?? throw new InvalidDataException($"{configPath}: not a JSON object");
        string torchDType = config["torch_dtype"] is JsonValue v && v.TryGetValue(out string? d) ? d : "float32";
        config.Remove("quantization_config");
        using var checkpoint = LlamaCheckpoint.Open(source);
        if (checkpoint.Names.FirstOrDefault(checkpoint.IsQuantizationEntry) is { } quantized)
        {
            throw new ArgumentException($"{source}: is quantised already (it holds '{quantized}'); quantise an F32, F16 or BF16 checkpoint");
        }
        var weights = new SafetensorsWriter();
        weights.Metadata["format"] = "pt";
        foreach (var name in checkpoint.Names)
        {
            var shape = checkpoint.ShapeOf(name);
            var dtype = checkpoint.DTypeOf(name);
            if (!dtype.IsReadableAsFloat32())
            {
                weights.AddRaw(name, shape, dtype, () => checkpoint.ReadRaw(name));
            }
            else if (storage == CheckpointStorage.BFloat16)
            {
                weights.AddLazy(name, shape, SafetensorsDType.BF16, () => checkpoint.Read(name, shape));
            }
            else if (IsQuantizedLinear(name))
            {
                Nf4Tensor? held = null;
                Bnb4BitEntries.Add(weights, name, shape, torchDType, doubleQuantize, () => held ??= Nf4.Quantize(checkpoint.Read(name, shape), doubleQuantize: doubleQuantize));
            }
            else
            {
                weights.AddLazy(name, shape, dtype.IsWritableFromFloat32() ? dtype : SafetensorsDType.F32, () => checkpoint.Read(name, shape));
            }
        }
        if (storage == CheckpointStorage.Nf4)
        {
            config["quantization_config"] = QuantizationConfig(doubleQuantize);
        }
        else
        {
            config["torch_dtype"] = "bfloat16";
        }
        var configBytes = JsonSerializer.SerializeToUtf8Bytes(config, JsonOptions.Indented);
        string weightsPath = Path.Combine(destination, LlamaCheckpoint.SingleFile);
        var files = new List<(string Name, Action<Stream> Write)>
        {
            (LlamaConfig.FileName, s => s.Write(configBytes)),
            (LlamaCheckpoint.SingleFile, s => weights.WriteTo(s, weightsPath)),
        };
        foreach (var file in TokenizerFiles.Where(f => File.Exists(Path.Combine(source, f))))
        {
            var content = File.ReadAllBytes(Path.Combine(source, file));
            files.Add((file, s => s.Write(content)));
        }
        AtomicFolder.Write(destination, files);
    }

    /// <summary>config.json's quantization_config, as transformers' BitsAndBytesConfig writes it for a 4-bit NF4 model.</summary>
    public static JsonObject QuantizationConfig(bool doubleQuantize) => new()
    {
        ["_load_in_4bit"] = true,
        ["_load_in_8bit"] = false,
        ["bnb_4bit_compute_dtype"] = "float32",
        ["bnb_4bit_quant_storage"] = "uint8",
        ["bnb_4bit_quant_type"] = "nf4",
        ["bnb_4bit_use_double_quant"] = doubleQuantize,
        ["llm_int8_enable_fp32_cpu_offload"] = false,
        ["llm_int8_has_fp16_weight"] = false,
        ["llm_int8_skip_modules"] = null,
        ["llm_int8_threshold"] = JsonNode.Parse("6.0"), // written as a float: transformers' check wants one
        ["load_in_4bit"] = true,
        ["load_in_8bit"] = false,
        ["quant_method"] = "bitsandbytes",
    };

    [GeneratedRegex(@"^model\.layers\.[0-9]+\.(self_attn\.[qkvo]_proj|mlp\.(gate|up|down)_proj)\.weight$")]
    private static partial Regex LinearName();
}
