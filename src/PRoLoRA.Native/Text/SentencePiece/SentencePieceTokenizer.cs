using PRoLoRA.Native.IO.Input;

namespace PRoLoRA.Native.Text.SentencePiece;

/// <summary>
/// A SentencePiece tokenizer.model (BPE, with or without byte fallback): read within bounds, checked
/// (<see cref="SentencePieceModelFile"/>) and run by <see cref="SentencePieceBpe"/>. As in
/// SentencePiece, control pieces written in the text (&lt;s&gt;) are text, not special tokens.
/// </summary>
internal sealed class SentencePieceTokenizer : TokenizerCore
{
    private readonly SentencePieceModelFile _file;
    private readonly SentencePieceBpe _bpe;
    private readonly Dictionary<string, int> _ids;

    private SentencePieceTokenizer(SentencePieceModelFile file)
    {
        _file = file;
        _bpe = new SentencePieceBpe(file);
        _ids = file.Pieces.Select((piece, id) => (piece, id)).ToDictionary(p => p.piece, p => p.id, StringComparer.Ordinal);
        Prefix = file.BosId >= 0 ? [file.BosId] : [];
        DefaultEosId = file.EosId >= 0 ? file.EosId : null;
    }

    /// <inheritdoc/>
    public override string Source => _file.Path;

    /// <inheritdoc/>
    public override int VocabularySize => _file.Pieces.Count;

    /// <summary>The model's bos, if any: transformers' LlamaTokenizer adds it unless tokenizer_config.json says otherwise.</summary>
    public override int[] Prefix { get; }

    /// <inheritdoc/>
    public override int[] Suffix => [];

    /// <inheritdoc/>
    public override int? DefaultEosId { get; }

    /// <summary>Reads the tokenizer.model file <paramref name="path"/>.</summary>
    public static SentencePieceTokenizer Load(string path)
        => new(SentencePieceModelFile.Read(path, InputFile.ReadAllBytes(path, TokenizerLimits.ModelBytes)));

    /// <inheritdoc/>
    public override int[] EncodeText(string text) => _bpe.Encode(text);

    /// <inheritdoc/>
    public override string Decode(ReadOnlySpan<int> ids, bool skipSpecial) => _bpe.Decode(ids, skipSpecial);

    /// <inheritdoc/>
    public override bool IsKnown(int id) => id >= 0 && id < VocabularySize;

    /// <inheritdoc/>
    public override int? IdOf(string token) => _ids.TryGetValue(token, out int id) ? id : null;
}
