using Google.Protobuf;

namespace PRoLoRA.Native.Tests.Text;

/// <summary>Writes small SentencePiece tokenizer.model files (ModelProto) for the tests.</summary>
internal static class SentencePieceModelWriter
{
    /// <summary>A piece: text, score and type (NORMAL 1, UNKNOWN 2, CONTROL 3, USER_DEFINED 4, UNUSED 5, BYTE 6).</summary>
    public sealed record Piece(string Text, float Score, int Type = 1);

    /// <summary>The model's settings; the defaults are Llama 2's.</summary>
    public sealed record Settings(int ModelType = 2, bool ByteFallback = true, int UnkId = 0, int BosId = 1, int EosId = 2, bool AddDummyPrefix = true, bool RemoveExtraWhitespaces = false, byte[]? Charsmap = null);

    /// <summary>&lt;unk&gt;, &lt;s&gt;, &lt;/s&gt;, the 256 byte pieces (ids 3–258), then <paramref name="normal"/> as normal pieces.</summary>
    public static List<Piece> LlamaPieces(params (string Text, float Score)[] normal)
        => [new("<unk>", 0, 2), new("<s>", 0, 3), new("</s>", 0, 3), .. Enumerable.Range(0, 256).Select(b => new Piece($"<0x{b:X2}>", 0, 6)), .. normal.Select(p => new Piece(p.Text, p.Score))];

    /// <summary>The bytes of a model of <paramref name="pieces"/>.</summary>
    public static byte[] Write(IEnumerable<Piece> pieces, Settings? settings = null)
    {
        var s = settings ?? new Settings();
        return Message(o =>
        {
            foreach (var p in pieces)
            {
                Field(o, 1, Message(m =>
                {
                    m.WriteTag(1, WireFormat.WireType.LengthDelimited);
                    m.WriteString(p.Text);
                    m.WriteTag(2, WireFormat.WireType.Fixed32);
                    m.WriteFloat(p.Score);
                    m.WriteTag(3, WireFormat.WireType.Varint);
                    m.WriteEnum(p.Type);
                }));
            }
            Field(o, 2, Message(m =>
            {
                Varint(m, 3, s.ModelType);
                Varint(m, 35, s.ByteFallback ? 1 : 0);
                Varint(m, 40, s.UnkId);
                Varint(m, 41, s.BosId);
                Varint(m, 42, s.EosId);
            }));
            Field(o, 3, Message(m =>
            {
                m.WriteTag(1, WireFormat.WireType.LengthDelimited);
                m.WriteString("identity");
                if (s.Charsmap is not null)
                {
                    m.WriteTag(2, WireFormat.WireType.LengthDelimited);
                    m.WriteBytes(ByteString.CopyFrom(s.Charsmap));
                }
                Varint(m, 3, s.AddDummyPrefix ? 1 : 0);
                Varint(m, 4, s.RemoveExtraWhitespaces ? 1 : 0);
                Varint(m, 5, 1);
            }));
        });
    }

    private static void Varint(CodedOutputStream o, int field, int value)
    {
        o.WriteTag(field, WireFormat.WireType.Varint);
        o.WriteInt32(value);
    }

    private static void Field(CodedOutputStream o, int field, byte[] message)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(message));
    }

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var stream = new MemoryStream();
        using (var output = new CodedOutputStream(stream, leaveOpen: true))
        {
            write(output);
        }
        return stream.ToArray();
    }
}
