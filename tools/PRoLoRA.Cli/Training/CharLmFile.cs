using System.Globalization;
using PRoLoRA.Native.Backends;
using PRoLoRA.Native.IO;
using PRoLoRA.Native.IO.Input;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Cli.Training;

/// <summary>
/// A <see cref="CharLmWeights"/> base as one safetensors file: the tensors under their
/// <see cref="CharLmWeights.Named"/> names, and the shape and alphabet in the metadata
/// (format "prolora-charlm/1"), so a file cannot be paired with the wrong vocabulary.
/// </summary>
public static class CharLmFile
{
    /// <summary>The metadata's format tag.</summary>
    public const string Format = "prolora-charlm/1";

    /// <summary>Writes <paramref name="weights"/> over <paramref name="vocabulary"/> to <paramref name="path"/>, with <paramref name="notes"/> added to the metadata.</summary>
    public static void Save(string path, CharLmWeights weights, CharVocabulary vocabulary, IReadOnlyDictionary<string, string>? notes = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(vocabulary);
        var c = weights.Config;
        if (vocabulary.Size != c.VocabularySize)
        {
            throw new ArgumentException($"the vocabulary has {vocabulary.Size} characters, the model {c.VocabularySize}", nameof(vocabulary));
        }
        var writer = new SafetensorsWriter();
        foreach (var (key, value) in notes ?? new Dictionary<string, string>())
        {
            writer.Metadata[key] = value;
        }
        writer.Metadata["format"] = Format;
        writer.Metadata["alphabet"] = vocabulary.Alphabet;
        writer.Metadata["context_length"] = Invariant(c.ContextLength);
        writer.Metadata["embedding_size"] = Invariant(c.EmbeddingSize);
        writer.Metadata["hidden"] = Invariant(c.Hidden);
        writer.Metadata["hidden_layers"] = Invariant(c.HiddenLayers);
        foreach (var (name, tensor) in weights.Named())
        {
            writer.Add(name, tensor);
        }
        writer.Save(path);
    }

    /// <summary>
    /// Reads a base from <paramref name="path"/> onto <paramref name="backend"/>; throws an
    /// <see cref="InvalidDataException"/> naming the file when it is not a base over <paramref name="vocabulary"/>.
    /// </summary>
    public static CharLmWeights Load(string path, CharVocabulary vocabulary, IBackend backend)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(backend);
        using var file = SafetensorsFile.Open(path);
        var meta = file.Metadata;
        if (!meta.TryGetValue("format", out var format) || format != Format)
        {
            throw new InvalidDataException($"{path}: not a {Format} base model (format: {format ?? "none"})");
        }
        if (!meta.TryGetValue("alphabet", out var alphabet) || alphabet != vocabulary.Alphabet)
        {
            throw new InvalidDataException($"{path}: the base was trained over another alphabet");
        }
        var config = new CharLmConfig
        {
            VocabularySize = vocabulary.Size,
            ContextLength = Int(file, "context_length"),
            EmbeddingSize = Int(file, "embedding_size"),
            Hidden = Int(file, "hidden"),
            HiddenLayers = Int(file, "hidden_layers"),
        };
        try
        {
            config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        if (config.HiddenLayers >= file.Tensors.Count)
        {
            throw new InvalidDataException($"{path}: metadata hidden_layers is {config.HiddenLayers}, but the file holds only {file.Tensors.Count} tensors");
        }
        var tensors = new List<Tensor>();
        try
        {
            var probe = Shapes(config);
            foreach (var (name, shape) in probe)
            {
                var info = file.Info(name);
                if (info.Shape != shape)
                {
                    throw new InvalidDataException($"{path}: tensor '{name}' has shape {info.Shape}, expected {shape}");
                }
                var values = file.ReadFloat32(name);
                FiniteCheck.Require(values, $"{path}: tensor '{name}'");
                tensors.Add(backend.FromArray(values, shape));
            }
            int n = config.Linears.Count;
            return new CharLmWeights(config, tensors[0], [.. Enumerable.Range(0, n).Select(i => tensors[1 + (2 * i)])], [.. Enumerable.Range(0, n).Select(i => tensors[2 + (2 * i)])]);
        }
        catch
        {
            tensors.ForEach(t => t.Dispose());
            throw;
        }
    }

    private static IEnumerable<(string Name, Shape Shape)> Shapes(CharLmConfig c)
    {
        yield return ("embedding", new Shape(c.VocabularySize, c.EmbeddingSize));
        foreach (var m in c.Linears)
        {
            yield return ($"{m.Name}.weight", new Shape(m.OutFeatures, m.InFeatures));
            yield return ($"{m.Name}.bias", new Shape(m.OutFeatures));
        }
    }

    private static int Int(SafetensorsFile file, string key)
        => file.Metadata.TryGetValue(key, out var s) && int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int v)
            ? v
            : throw new InvalidDataException($"{file.Path}: metadata '{key}' is missing or not a whole number");

    private static string Invariant(int v) => v.ToString(CultureInfo.InvariantCulture);
}
