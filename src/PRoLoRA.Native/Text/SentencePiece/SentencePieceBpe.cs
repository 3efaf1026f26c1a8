using System.Buffers;
using System.Globalization;
using System.Text;

namespace PRoLoRA.Native.Text.SentencePiece;

/// <summary>
/// SentencePiece's BPE encoder and decoder (sentencepiece's normalizer.cc, bpe_model.cc and
/// sentencepiece_processor.cc) for a tokenizer.model: the normalizer's dummy prefix, whitespace
/// escaping and extra-whitespace removal; merges of the adjacent pair whose merged piece scores
/// highest, the leftmost among equals; byte fallback for pieces outside the vocabulary; decoding with
/// the leading space removed and invalid UTF-8 bytes as U+FFFD, one per byte. Written here rather than
/// taken from Microsoft.ML.Tokenizers, whose SentencePieceTokenizer (2.0.1) the oracle tests caught
/// twice: among pairs of equal score it merges the rightmost first ("aaaaaaaa" encodes differently),
/// and with remove_extra_whitespaces it drops text ("0" encodes to nothing).
/// </summary>
internal sealed class SentencePieceBpe
{
    private const int TypeUnknown = 2;
    private const int TypeControl = 3;
    private const int TypeByte = 6;
    private const string UnknownSurface = " \u2047 ";
    private static readonly IComparer<(float Score, int Left)> Order = Comparer<(float Score, int Left)>.Create(
        (a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : a.Left.CompareTo(b.Left));

    private readonly SentencePieceModelFile _file;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _mergeable;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _reserved;
    private readonly int[] _byteIds = new int[256];
    private readonly int[] _byteOf;
    private readonly char _space;

    /// <summary>The encoder of the checked model <paramref name="file"/>.</summary>
    public SentencePieceBpe(SentencePieceModelFile file)
    {
        _file = file;
        var mergeable = new Dictionary<string, int>(StringComparer.Ordinal);
        var reserved = new Dictionary<string, int>(StringComparer.Ordinal);
        _byteOf = new int[file.Pieces.Count];
        Array.Fill(_byteIds, file.UnkId);
        for (int id = 0; id < file.Pieces.Count; id++)
        {
            // As in SentencePiece, merges only make normal pieces; control, unknown and byte pieces are "reserved".
            (file.Types[id] == 1 ? mergeable : reserved)[file.Pieces[id]] = id;
            _byteOf[id] = -1;
            if (file.Types[id] == TypeByte)
            {
                _byteOf[id] = int.Parse(file.Pieces[id].AsSpan(3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
                _byteIds[_byteOf[id]] = id;
            }
        }
        _mergeable = mergeable.GetAlternateLookup<ReadOnlySpan<char>>();
        _reserved = reserved.GetAlternateLookup<ReadOnlySpan<char>>();
        _space = file.EscapeWhitespaces ? '\u2581' : ' ';
    }

    /// <summary>The ids of <paramref name="text"/>.</summary>
    public int[] Encode(string text)
    {
        string normalized = Normalize(text);
        var ids = new List<int>();
        foreach (var (start, length) in Merge(normalized))
        {
            var piece = normalized.AsSpan(start, length);
            int id = _reserved.TryGetValue(piece, out int r) ? r : _mergeable.TryGetValue(piece, out int m) ? m : _file.UnkId;
            if (_file.Is(id, TypeUnknown) && _file.ByteFallback)
            {
                foreach (byte b in Encoding.UTF8.GetBytes(piece.ToArray()))
                {
                    ids.Add(_byteIds[b]);
                }
            }
            else
            {
                ids.Add(id);
            }
        }
        return [.. ids];
    }

    /// <summary>
    /// The text of <paramref name="ids"/>: pieces with ▁ as spaces, the first one's leading space
    /// removed, byte pieces as UTF-8, the unknown piece as " ⁇ "; control pieces (&lt;s&gt;) are left
    /// out with <paramref name="skipSpecial"/> and written as themselves otherwise.
    /// </summary>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecial)
    {
        var text = new StringBuilder();
        var bytes = new List<byte>();
        bool first = true;
        foreach (int id in ids)
        {
            if (_byteOf[id] >= 0)
            {
                bytes.Add((byte)_byteOf[id]);
                continue;
            }
            AppendBytes(bytes, text);
            string piece = _file.Pieces[id];
            if (_file.Is(id, TypeControl))
            {
                text.Append(skipSpecial ? "" : piece);
                continue;
            }
            if (_file.Is(id, TypeUnknown))
            {
                text.Append(UnknownSurface);
            }
            else
            {
                bool strip = first && (_file.AddDummyPrefix || _file.RemoveExtraWhitespaces) && piece[0] == _space;
                text.Append(_file.EscapeWhitespaces ? piece[(strip ? 1 : 0)..].Replace(_space, ' ') : piece[(strip ? 1 : 0)..]);
            }
            first = false;
        }
        AppendBytes(bytes, text);
        return text.ToString();
    }

    /// <summary>normalizer.cc with the identity rule: leading, trailing and repeated spaces removed (when asked), the dummy prefix, spaces escaped.</summary>
    private string Normalize(string text)
    {
        bool remove = _file.RemoveExtraWhitespaces;
        int i = 0;
        while (remove && i < text.Length && text[i] == ' ')
        {
            i++;
        }
        if (i == text.Length)
        {
            return "";
        }
        var sb = new StringBuilder(text.Length + 1);
        if (_file.AddDummyPrefix)
        {
            sb.Append(_space);
        }
        bool previousSpace = remove;
        for (; i < text.Length; i++)
        {
            bool space = text[i] == ' ';
            if (!(space && previousSpace && remove))
            {
                sb.Append(space ? _space : text[i]);
            }
            previousSpace = space;
        }
        while (remove && sb.Length > 0 && sb[^1] == _space)
        {
            sb.Length--;
        }
        return sb.ToString();
    }

    /// <summary>bpe_model.cc: characters as symbols, then merges by score until none applies; the symbols as (start, length).</summary>
    private List<(int Start, int Length)> Merge(string text)
    {
        var start = new List<int>();
        for (int i = 0; i < text.Length; i += char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1)
        {
            start.Add(i);
        }
        int n = start.Count;
        var length = new int[n];
        var prev = new int[n];
        var next = new int[n];
        for (int s = 0; s < n; s++)
        {
            length[s] = (s + 1 < n ? start[s + 1] : text.Length) - start[s];
            prev[s] = s - 1;
            next[s] = s + 1 < n ? s + 1 : -1;
        }
        var agenda = new PriorityQueue<(int Left, int Right, int Size), (float Score, int Left)>(Order);
        void Consider(int left, int right)
        {
            if (left >= 0 && right >= 0 && _mergeable.TryGetValue(text.AsSpan(start[left], length[left] + length[right]), out int id))
            {
                agenda.Enqueue((left, right, length[left] + length[right]), (_file.Scores[id], left));
            }
        }
        for (int s = 1; s < n; s++)
        {
            Consider(s - 1, s);
        }
        while (agenda.TryDequeue(out var pair, out _))
        {
            var (left, right, size) = pair;
            if (length[left] == 0 || length[right] == 0 || length[left] + length[right] != size)
            {
                continue; // a symbol of the pair has changed since it was queued
            }
            length[left] = size;
            length[right] = 0;
            next[left] = next[right];
            if (next[right] >= 0)
            {
                prev[next[right]] = left;
            }
            Consider(prev[left], left);
            Consider(left, next[left]);
        }
        var symbols = new List<(int, int)>();
        for (int s = n > 0 ? 0 : -1; s >= 0; s = next[s])
        {
            symbols.Add((start[s], length[s]));
        }
        return symbols;
    }

    /// <summary>Appends <paramref name="bytes"/> read as UTF-8, each byte that starts no valid character as U+FFFD; then clears them.</summary>
    private static void AppendBytes(List<byte> bytes, StringBuilder text)
    {
        var span = bytes.ToArray().AsSpan();
        while (span.Length > 0)
        {
            if (Rune.DecodeFromUtf8(span, out var rune, out int used) == OperationStatus.Done)
            {
                text.Append(rune.ToString());
                span = span[used..];
            }
            else
            {
                text.Append('\uFFFD');
                span = span[1..];
            }
        }
        bytes.Clear();
    }
}
