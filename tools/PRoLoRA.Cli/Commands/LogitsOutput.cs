using PRoLoRA.Native.IO;
using PRoLoRA.Native.IO.FileSystem;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Cli.Commands;

/// <summary>`prolora eval --logits-out FILE`: the tensor <c>logits</c> (batch × seq × vocab, F32) in a safetensors file, saved atomically.</summary>
internal static class LogitsOutput
{
    /// <summary>The tensor's name.</summary>
    public const string TensorName = "logits";

    /// <summary>
    /// Checks <paramref name="path"/> before anything is computed: its folder must exist, it must be
    /// a regular file or nothing, and none of <paramref name="inputs"/>; <paramref name="count"/> logits must fit one array.
    /// </summary>
    public static void Check(string path, IEnumerable<string> inputs, long count)
    {
        foreach (var input in inputs)
        {
            if (PathArguments.SameFile(input, path))
            {
                throw new ArgumentException($"--logits-out {path} is the input file {input}: writing the logits would replace it; give another file");
            }
        }
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is null || FileStatus.Of(folder).Kind != FileKind.Directory)
        {
            throw new DirectoryNotFoundException($"--logits-out {path}: the folder {folder ?? path} does not exist");
        }
        var status = FileStatus.Of(path, followLinks: false);
        if (status.Kind is not (FileKind.Missing or FileKind.Regular))
        {
            throw new IOException($"--logits-out {path}: is {status.Description}; only a regular file (or nothing) is replaced");
        }
        if (count > Array.MaxLength)
        {
            throw new ArgumentException($"--logits-out {path}: {count:N0} logits are more than one tensor of this tool holds ({Array.MaxLength:N0}); give fewer rows");
        }
    }

    /// <summary>Writes <paramref name="logits"/> (row-major, batch × seq × vocab) to <paramref name="path"/> atomically.</summary>
    public static void Save(string path, float[] logits, int batch, int length, int vocabulary)
    {
        var writer = new SafetensorsWriter();
        writer.AddLazy(TensorName, new Shape(batch, length, vocabulary), SafetensorsDType.F32, () => logits);
        writer.Save(path);
    }
}
