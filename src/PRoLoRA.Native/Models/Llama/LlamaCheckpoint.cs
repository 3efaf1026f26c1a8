using PRoLoRA.Native.IO;
using PRoLoRA.Native.IO.FileSystem;
using PRoLoRA.Native.IO.Input;
using PRoLoRA.Native.Quantization;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Models.Llama;

/// <summary>
/// The tensors of a Hugging Face checkpoint folder: <c>model.safetensors</c>, or the shards a
/// <c>model.safetensors.index.json</c> maps names to. Tensors are read one at a time (F32, F16 or
/// BF16, as float32; or bitsandbytes NF4, dequantised: see <see cref="Bnb4BitEntries"/>), each
/// checked for its shape and for NaN/Inf, so a checkpoint is never held twice in memory. Shard names
/// must be plain file names in the folder.
/// </summary>
internal sealed class LlamaCheckpoint : IDisposable
{
    public const string SingleFile = "model.safetensors";
    public const string IndexFile = "model.safetensors.index.json";

    private readonly string _folder;
    private readonly Dictionary<string, string> _shardOf;
    private readonly Dictionary<string, SafetensorsFile> _open = new(StringComparer.Ordinal);

    private LlamaCheckpoint(string folder, Dictionary<string, string> shardOf)
    {
        _folder = folder;
        _shardOf = shardOf;
    }

    /// <summary>Every tensor name of the checkpoint.</summary>
    public IEnumerable<string> Names => _shardOf.Keys;

    /// <summary>Opens the checkpoint of <paramref name="folder"/>.</summary>
    public static LlamaCheckpoint Open(string folder)
    {
        var index = Path.Combine(folder, IndexFile);
        if (FileStatus.Of(index).Kind != FileKind.Missing)
        {
            return OpenSharded(folder, index);
        }
        var single = Path.Combine(folder, SingleFile);
        if (FileStatus.Of(single).Kind == FileKind.Missing)
        {
            throw new FileNotFoundException($"{folder}: no {SingleFile} or {IndexFile} (a Hugging Face checkpoint folder holds one of them)", single);
        }
        var checkpoint = new LlamaCheckpoint(folder, new Dictionary<string, string>(StringComparer.Ordinal));
        var file = checkpoint.Shard(SingleFile);
        foreach (var t in file.Tensors)
        {
            checkpoint._shardOf[t.Name] = SingleFile;
        }
        return checkpoint;
    }

    private static LlamaCheckpoint OpenSharded(string folder, string index)
    {
        var map = JsonInput.Load(index).Object()["weight_map"].Object();
        var shardOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, shard) in map.Properties())
        {
            var file = shard.String();
            if (file.Length == 0 || file != Path.GetFileName(file) || file is "." or "..")
            {
                throw shard.Error($"\"{Printable.Text(file)}\" is not a file name in the checkpoint's folder");
            }
            shardOf[name] = file;
        }
        var checkpoint = new LlamaCheckpoint(folder, shardOf);
        try
        {
            foreach (var file in shardOf.Values.Distinct(StringComparer.Ordinal))
            {
                var shard = checkpoint.Shard(file);
                foreach (var t in shard.Tensors.Where(t => !shardOf.TryGetValue(t.Name, out var owner) || owner != file))
                {
                    throw new InvalidDataException($"{shard.Path}: tensor '{Printable.Text(t.Name)}' is not mapped to this shard by {IndexFile}");
                }
            }
            foreach (var (name, file) in shardOf)
            {
                if (!checkpoint.Shard(file).Contains(name))
                {
                    throw new InvalidDataException($"{index}: maps '{Printable.Text(name)}' to {file}, which does not hold it");
                }
            }
            return checkpoint;
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }

    /// <summary>True when the checkpoint holds <paramref name="name"/>.</summary>
    public bool Contains(string name) => _shardOf.ContainsKey(name);

    /// <summary>True when <paramref name="name"/> is a quantisation entry (absmax, quant_map, state...) of a weight the checkpoint holds NF4.</summary>
    public bool IsQuantizationEntry(string name) => Bnb4BitEntries.IsCompanion(name, Contains);

    /// <summary>The stored shape of <paramref name="name"/>.</summary>
    public Shape ShapeOf(string name) => Shard(_shardOf[name]).Info(name).Shape;

    /// <summary>The raw stored bytes of <paramref name="name"/>.</summary>
    public byte[] ReadRaw(string name) => Shard(_shardOf[name]).ReadBytes(name);

    /// <summary>The stored dtype of <paramref name="name"/>.</summary>
    public SafetensorsDType DTypeOf(string name) => Shard(_shardOf[name]).Info(name).DType;

    /// <summary>True when <paramref name="name"/> is stored as a bitsandbytes NF4 weight (packed U8 with its quant state).</summary>
    public bool IsNf4(string name) => Contains(name) && DTypeOf(name) == SafetensorsDType.U8 && Contains(name + Bnb4BitEntries.State);

    /// <summary>The NF4 weight <paramref name="name"/> as stored (see <see cref="IsNf4"/>), which must have <paramref name="shape"/>.</summary>
    public Nf4Tensor ReadNf4(string name, Shape shape) => Bnb4BitEntries.Read(name, shape, n => _shardOf.TryGetValue(n, out var f) ? Shard(f) : null);

    /// <summary>The tensor <paramref name="name"/> as float32 values, which must have <paramref name="shape"/> and be finite.</summary>
    public float[] Read(string name, Shape shape)
    {
        if (!_shardOf.TryGetValue(name, out var file))
        {
            throw new InvalidDataException($"{_folder}: the checkpoint has no tensor '{name}'");
        }
        var shard = Shard(file);
        var info = shard.Info(name);
        if (info.DType == SafetensorsDType.U8 && Contains(name + Bnb4BitEntries.State))
        {
            return Bnb4BitEntries.Dequantize(name, shape, n => _shardOf.TryGetValue(n, out var f) ? Shard(f) : null);
        }
        if (info.Shape != shape)
        {
            throw new InvalidDataException($"{shard.Path}: tensor '{name}' has shape {info.Shape}, but config.json makes it {shape}");
        }
        if (!info.DType.IsReadableAsFloat32())
        {
            throw new InvalidDataException($"{shard.Path}: tensor '{name}' is {info.DType}; weights must be F32, F16 or BF16");
        }
        var values = shard.ReadFloat32(name);
        FiniteCheck.Require(values, $"{shard.Path}: tensor '{name}'");
        return values;
    }

    private SafetensorsFile Shard(string file)
    {
        if (!_open.TryGetValue(file, out var shard))
        {
            shard = SafetensorsFile.Open(Path.Combine(_folder, file));
            _open[file] = shard;
        }
        return shard;
    }

    /// <summary>Closes the files.</summary>
    public void Dispose()
    {
        foreach (var file in _open.Values)
        {
            file.Dispose();
        }
        _open.Clear();
    }
}
