using PRoLoRA.Native.IO;
using PRoLoRA.Native.IO.FileSystem;
using PRoLoRA.Native.IO.Output;

namespace PRoLoRA.Native.Models.Llama;

/// <summary>
/// Saves a <see cref="LlamaModel"/>'s base weights as a Hugging Face checkpoint folder that
/// <see cref="LlamaModel.Load(string, PRoLoRA.Native.Backends.IBackend)"/> (and transformers' LlamaForCausalLM) reads: config.json and
/// model.safetensors under the Hugging Face names (no lm_head.weight when the embeddings are tied),
/// with any other files given, as one atomic folder save (a kill leaves the old folder or the new one;
/// the folder's other files are kept). Adapters are not saved; the bytes depend only on the weights,
/// the config, the dtype and the metadata, so saving the same model twice gives the same files.
/// </summary>
public static class LlamaCheckpointWriter
{
    /// <summary>
    /// Writes <paramref name="model"/> to <paramref name="folder"/>, weights stored as
    /// <paramref name="dtype"/> (F32, F16 or BF16, rounded to nearest even; config.json's torch_dtype
    /// says which), <paramref name="metadata"/> in the safetensors header beside "format": "pt", and
    /// <paramref name="extraFiles"/> (plain names, none of the two the checkpoint itself writes)
    /// alongside. Non-finite weights are refused naming the tensor. A folder that holds a sharded
    /// checkpoint (model.safetensors.index.json) is refused: its index would outrank the new file.
    /// </summary>
    public static void Save(string folder, LlamaModel model, SafetensorsDType dtype = SafetensorsDType.F32, IReadOnlyDictionary<string, string>? metadata = null, IReadOnlyList<CheckpointFile>? extraFiles = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(model);
        var config = LlamaConfigJson.Write(model.Config, dtype);
        var files = new List<(string Name, Action<Stream> Write)> { (LlamaConfig.FileName, s => s.Write(config)) };
        var weights = new SafetensorsWriter();
        weights.Metadata["format"] = "pt";
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
        {
            weights.Metadata[key] = value;
        }
        foreach (var w in model.Weights())
        {
            weights.AddLazy(w.Name, w.Shape, dtype, w.Value.ToArray);
        }
        string weightsPath = Path.Combine(folder, LlamaCheckpoint.SingleFile);
        files.Add((LlamaCheckpoint.SingleFile, s => weights.WriteTo(s, weightsPath)));
        foreach (var extra in extraFiles ?? [])
        {
            ArgumentNullException.ThrowIfNull(extra, nameof(extraFiles));
            ArgumentNullException.ThrowIfNull(extra.Content, nameof(extraFiles));
            string name = extra.Name ?? "";
            if (name.Length == 0 || name != Path.GetFileName(name) || name is "." or ".." || files.Any(f => f.Name == name))
            {
                throw new ArgumentException($"extra file '{name}' must be a plain file name other than {string.Join(", ", files.Select(f => f.Name))}", nameof(extraFiles));
            }
            var content = extra.Content;
            files.Add((name, s => s.Write(content)));
        }
        string index = Path.Combine(folder, LlamaCheckpoint.IndexFile);
        if (FileStatus.Of(index).Kind != FileKind.Missing)
        {
            throw new IOException($"{folder}: holds {LlamaCheckpoint.IndexFile} (a sharded checkpoint), which a single {LlamaCheckpoint.SingleFile} would not replace; save into another folder");
        }
        AtomicFolder.Write(folder, files);
    }
}
