using System.Globalization;
using Google.Protobuf;
using PRoLoRA.Native.IO.Input;

namespace PRoLoRA.Native.Text.SentencePiece;

/// <summary>
/// What <see cref="SentencePieceBpe"/> needs of a SentencePiece tokenizer.model (a ModelProto,
/// sentencepiece_model.proto): the pieces with their scores and types, the trainer's special ids and
/// byte fallback, the normalizer's flags; read with Google.Protobuf's stream reader and checked. What
/// is refused is named with the file: a model type other than BPE, a normalization rule (a
/// precompiled character map, as nmt_nfkc), user-defined or unused pieces, whitespace as suffix.
/// </summary>
internal sealed class SentencePieceModelFile
{
    private const int TypeNormal = 1;
    private const int TypeUnknown = 2;
    private const int TypeControl = 3;
    private const int TypeUserDefined = 4;
    private const int TypeUnused = 5;
    private const int TypeByte = 6;
    private const int ModelTypeBpe = 2;
    private static readonly string[] ModelTypes = ["", "UNIGRAM", "BPE", "WORD", "CHAR"];

    private SentencePieceModelFile(string path)
    {
        Path = path;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The pieces, by id.</summary>
    public List<string> Pieces { get; } = [];

    /// <summary>Each piece's score (BPE merges the pair whose result scores highest).</summary>
    public List<float> Scores { get; } = [];

    /// <summary>Each piece's type (NORMAL = 1, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 6).</summary>
    public List<int> Types { get; } = [];

    /// <summary>trainer_spec.model_type (UNIGRAM = 1 by default, BPE = 2).</summary>
    public int ModelType { get; private set; } = 1;

    /// <summary>trainer_spec.byte_fallback.</summary>
    public bool ByteFallback { get; private set; }

    /// <summary>trainer_spec.unk_id.</summary>
    public int UnkId { get; private set; }

    /// <summary>trainer_spec.bos_id (−1: none).</summary>
    public int BosId { get; private set; } = 1;

    /// <summary>trainer_spec.eos_id (−1: none).</summary>
    public int EosId { get; private set; } = 2;

    /// <summary>trainer_spec.treat_whitespace_as_suffix.</summary>
    public bool WhitespaceAsSuffix { get; private set; }

    /// <summary>The length of normalizer_spec.precompiled_charsmap and denormalizer_spec's (0: no rule).</summary>
    public int CharsmapBytes { get; private set; }

    /// <summary>normalizer_spec.add_dummy_prefix: a space before the text.</summary>
    public bool AddDummyPrefix { get; private set; } = true;

    /// <summary>normalizer_spec.remove_extra_whitespaces: no leading or trailing spaces, runs of spaces as one.</summary>
    public bool RemoveExtraWhitespaces { get; private set; } = true;

    /// <summary>normalizer_spec.escape_whitespaces: spaces written as ▁ (U+2581).</summary>
    public bool EscapeWhitespaces { get; private set; } = true;

    /// <summary>Whether <paramref name="id"/> is a piece of type <paramref name="type"/>.</summary>
    public bool Is(int id, int type) => id >= 0 && id < Types.Count && Types[id] == type;

    /// <summary>Reads and checks <paramref name="path"/>, whose contents are <paramref name="bytes"/>.</summary>
    public static SentencePieceModelFile Read(string path, byte[] bytes)
    {
        var file = new SentencePieceModelFile(path);
        try
        {
            file.ReadModel(new CodedInputStream(bytes));
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{path}: not a SentencePiece model (protobuf): {e.Message}", e);
        }
        catch (System.Text.DecoderFallbackException e)
        {
            throw new InvalidDataException($"{path}: not a SentencePiece model (protobuf): a string is not valid UTF-8", e);
        }
        file.Check();
        return file;
    }

    private InvalidDataException Error(string problem) => new($"{Path}: {problem}");

    private void ReadModel(CodedInputStream input)
    {
        for (uint tag; (tag = input.ReadTag()) != 0;)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    Nested(input, ReadPiece);
                    break;
                case 2:
                    Nested(input, ReadTrainerSpec);
                    break;
                case 3:
                    Nested(input, ReadNormalizerSpec);
                    break;
                case 5:
                    Nested(input, ReadDenormalizerSpec);
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }
    }

    private void ReadPiece(CodedInputStream input)
    {
        string piece = "";
        float score = 0;
        int type = TypeNormal;
        for (uint tag; (tag = input.ReadTag()) != 0;)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    piece = input.ReadString();
                    break;
                case 2:
                    score = input.ReadFloat();
                    break;
                case 3:
                    type = input.ReadEnum();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }
        Pieces.Add(piece);
        Scores.Add(score);
        Types.Add(type);
    }

    private void ReadTrainerSpec(CodedInputStream input)
    {
        for (uint tag; (tag = input.ReadTag()) != 0;)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 3:
                    ModelType = input.ReadEnum();
                    break;
                case 24:
                    WhitespaceAsSuffix = input.ReadBool();
                    break;
                case 35:
                    ByteFallback = input.ReadBool();
                    break;
                case 40:
                    UnkId = input.ReadInt32();
                    break;
                case 41:
                    BosId = input.ReadInt32();
                    break;
                case 42:
                    EosId = input.ReadInt32();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }
    }

    private void ReadNormalizerSpec(CodedInputStream input)
    {
        for (uint tag; (tag = input.ReadTag()) != 0;)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 2:
                    CharsmapBytes += input.ReadBytes().Length;
                    break;
                case 3:
                    AddDummyPrefix = input.ReadBool();
                    break;
                case 4:
                    RemoveExtraWhitespaces = input.ReadBool();
                    break;
                case 5:
                    EscapeWhitespaces = input.ReadBool();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }
    }

    /// <summary>Only a denormalizer's rule matters (it would change decoded text).</summary>
    private void ReadDenormalizerSpec(CodedInputStream input)
    {
        for (uint tag; (tag = input.ReadTag()) != 0;)
        {
            if (WireFormat.GetTagFieldNumber(tag) == 2)
            {
                CharsmapBytes += input.ReadBytes().Length;
            }
            else
            {
                input.SkipLastField();
            }
        }
    }

    /// <summary>Reads one length-delimited message with <paramref name="read"/>.</summary>
    private static void Nested(CodedInputStream input, Action<CodedInputStream> read) => read(input.ReadBytes().CreateCodedInput());

    private void Check()
    {
        if (ModelType != ModelTypeBpe)
        {
            string name = ModelType is > 0 and < 5 ? ModelTypes[ModelType] : ModelType.ToString(CultureInfo.InvariantCulture);
            throw Error($"trainer_spec.model_type: {name} models are not supported (only BPE)");
        }
        if (Pieces.Count == 0 || Pieces.Count > TokenizerLimits.MaxId + 1)
        {
            throw Error($"holds {Pieces.Count:N0} pieces (at least 1, at most {TokenizerLimits.MaxId + 1:N0})");
        }
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int id = 0; id < Pieces.Count; id++)
        {
            if (Pieces[id].Length == 0)
            {
                throw Error($"pieces[{id}]: is empty");
            }
            if (!seen.TryAdd(Pieces[id], id))
            {
                throw Error($"pieces[{id}]: '{Printable.Text(Pieces[id])}' repeats pieces[{seen[Pieces[id]]}]");
            }
            if (Types[id] is < TypeNormal or > TypeByte)
            {
                throw Error($"pieces[{id}]: unknown type {Types[id]}");
            }
            if (Types[id] is TypeUserDefined or TypeUnused)
            {
                throw Error($"pieces[{id}]: {(Types[id] == TypeUnused ? "unused" : "user-defined")} pieces ('{Printable.Text(Pieces[id])}') are not supported");
            }
            if (Types[id] == TypeByte && !IsBytePiece(Pieces[id]))
            {
                throw Error($"pieces[{id}]: the byte piece '{Printable.Text(Pieces[id])}' is not of the form <0xXX>");
            }
            if (!float.IsFinite(Scores[id]))
            {
                throw Error($"pieces[{id}]: the score {Scores[id]} is not finite");
            }
        }
        CheckId(UnkId, "unk_id", TypeUnknown, optional: false);
        CheckId(BosId, "bos_id", TypeControl, optional: true);
        CheckId(EosId, "eos_id", TypeControl, optional: true);
        if (WhitespaceAsSuffix)
        {
            throw Error("trainer_spec.treat_whitespace_as_suffix is not supported");
        }
        if (CharsmapBytes > 0)
        {
            throw Error("normalization rules (a precompiled_charsmap, as nmt_nfkc) are not supported; only the identity normalizer");
        }
        if (!ByteFallback && Types.Contains(TypeByte))
        {
            throw Error("has byte pieces but trainer_spec.byte_fallback is off");
        }
    }

    /// <summary>Whether <paramref name="piece"/> reads &lt;0xXX&gt; (two upper-case hex digits).</summary>
    internal static bool IsBytePiece(string piece)
        => piece.Length == 6 && piece.StartsWith("<0x", StringComparison.Ordinal) && piece[5] == '>'
            && char.IsAsciiHexDigitUpper(piece[3]) && char.IsAsciiHexDigitUpper(piece[4]);

    /// <summary>The special piece <paramref name="name"/> must be a piece of <paramref name="type"/>; −1 means none where <paramref name="optional"/>.</summary>
    private void CheckId(int id, string name, int type, bool optional)
    {
        if (optional && id == -1)
        {
            return;
        }
        if (!Is(id, type))
        {
            string what = id >= 0 && id < Pieces.Count ? $"piece {id} '{Printable.Text(Pieces[id])}' is of type {Types[id]}" : $"{id} is not a piece";
            throw Error($"trainer_spec.{name}: {what}, not a piece of type {type}{(optional ? " (or -1)" : "")}");
        }
    }
}
