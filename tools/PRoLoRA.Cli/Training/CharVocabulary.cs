namespace PRoLoRA.Cli.Training;

/// <summary>
/// A fixed character alphabet: each character's id is its position in <see cref="Alphabet"/>.
/// Fixed, not learned from a text, so that a base model and every text it is fine-tuned on agree.
/// </summary>
public sealed class CharVocabulary
{
    private readonly Dictionary<char, int> _ids = [];

    /// <summary>A vocabulary over the distinct characters of <paramref name="alphabet"/>, in that order.</summary>
    public CharVocabulary(string alphabet)
    {
        ArgumentException.ThrowIfNullOrEmpty(alphabet);
        foreach (char ch in alphabet)
        {
            if (!_ids.TryAdd(ch, _ids.Count))
            {
                throw new ArgumentException($"the alphabet lists {Describe(ch)} twice", nameof(alphabet));
            }
        }
        Alphabet = alphabet;
    }

    /// <summary>
    /// The demo's alphabet: newline, space, punctuation, digits and lower-case letters, 49 characters
    /// (7 × 7, so PRoLoRA's sharing rate 7 divides the output layer exactly).
    /// </summary>
    public static CharVocabulary Default { get; } = new("\n !\"'(),-.:;?0123456789abcdefghijklmnopqrstuvwxyz");

    /// <summary>The characters, in id order.</summary>
    public string Alphabet { get; }

    /// <summary>Number of characters.</summary>
    public int Size => Alphabet.Length;

    /// <summary>The ids of <paramref name="text"/>; throws naming the first character outside the alphabet and where it is.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new int[text.Length];
        int line = 1;
        for (int i = 0; i < text.Length; i++)
        {
            if (!_ids.TryGetValue(text[i], out ids[i]))
            {
                throw new ArgumentException($"{Describe(text[i])} at line {line} is not in the vocabulary (allowed: {Describe(Alphabet)})", nameof(text));
            }
            line += text[i] == '\n' ? 1 : 0;
        }
        return ids;
    }

    /// <summary>The text of <paramref name="ids"/>.</summary>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var chars = new char[ids.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            if ((uint)ids[i] >= (uint)Size)
            {
                throw new ArgumentOutOfRangeException(nameof(ids), $"id {ids[i]} at {i} is outside [0, {Size})");
            }
            chars[i] = Alphabet[ids[i]];
        }
        return new string(chars);
    }

    private static string Describe(char ch) => ch switch
    {
        '\n' => "'\\n'",
        _ when char.IsControl(ch) || (char.IsWhiteSpace(ch) && ch != ' ') => $"U+{(int)ch:X4}",
        _ => $"'{ch}'",
    };

    private static string Describe(string alphabet) => alphabet.Replace("\n", "\\n", StringComparison.Ordinal);
}
