using PRoLoRA.Native.IO.FileSystem;
using PRoLoRA.Native.Text.Json;
using PRoLoRA.Native.Text.SentencePiece;

namespace PRoLoRA.Native.Text;

/// <summary>Loads the tokenizer of a Hugging Face checkpoint folder.</summary>
public static class Tokenizers
{
    /// <summary>
    /// The tokenizer of the checkpoint in <paramref name="modelFolder"/>: its tokenizer.json (a BPE
    /// model, byte-level as in Llama 3, SmolLM and GPT-2, or SentencePiece-style with byte fallback
    /// as in Llama 2 and TinyLlama), else its tokenizer.model (SentencePiece BPE). BOS and EOS come
    /// from tokenizer_config.json, generation_config.json and config.json where present (see
    /// <see cref="ITokenizer"/>). Every file is read as untrusted input: a missing folder is a
    /// <see cref="DirectoryNotFoundException"/>, a folder without either tokenizer file a
    /// <see cref="FileNotFoundException"/>, a FIFO or device in place of a file an
    /// <see cref="IOException"/>, and a bad or unsupported file (a WordPiece or Unigram model, an
    /// unknown normalizer, ...) an <see cref="InvalidDataException"/> that names the file, the field
    /// and the problem.
    /// </summary>
    public static ITokenizer Load(string modelFolder)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelFolder);
        var status = FileStatus.Of(modelFolder);
        if (status.Kind == FileKind.Missing)
        {
            throw new DirectoryNotFoundException($"{modelFolder}: no such checkpoint folder");
        }
        if (status.Kind != FileKind.Directory)
        {
            throw new IOException($"{modelFolder}: is {status.Description}, not a checkpoint folder");
        }
        string json = Path.Combine(modelFolder, "tokenizer.json");
        string model = Path.Combine(modelFolder, "tokenizer.model");
        TokenizerCore core = Exists(json) ? JsonTokenizer.Load(json)
            : Exists(model) ? SentencePieceTokenizer.Load(model)
            : throw new FileNotFoundException($"{modelFolder}: holds neither tokenizer.json nor tokenizer.model", json);
        return new CheckpointTokenizer(core, SpecialTokenSettings.Read(modelFolder, core));
    }

    private static bool Exists(string path) => FileStatus.Of(path).Kind != FileKind.Missing;
}
