using System.Text;

namespace PRoLoRA.Native.Text.Json;

/// <summary>
/// GPT-2's byte-level alphabet (bytes_to_unicode): every byte is written as one printable character,
/// the printable Latin-1 bytes as themselves and the rest (space, control bytes) as U+0100 onwards,
/// so a space is 'Ġ' and a newline 'Ċ'. Byte-level tokenizers' vocabularies are written in it.
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = Build();
    private static readonly Dictionary<char, byte> CharToByte = Enumerable.Range(0, 256).ToDictionary(b => ByteToChar[b], b => (byte)b);

    /// <summary>The UTF-8 bytes of <paramref name="text"/>, each as its character.</summary>
    public static string Encode(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return string.Create(bytes.Length, bytes, static (chars, bytes) =>
        {
            for (int i = 0; i < bytes.Length; i++)
            {
                chars[i] = ByteToChar[bytes[i]];
            }
        });
    }

    /// <summary>The bytes <paramref name="token"/> stands for, appended to <paramref name="bytes"/>; false (and nothing appended) when a character of it is not in the alphabet.</summary>
    public static bool TryDecode(string token, List<byte> bytes)
    {
        foreach (char c in token)
        {
            if (!CharToByte.ContainsKey(c))
            {
                return false;
            }
        }
        foreach (char c in token)
        {
            bytes.Add(CharToByte[c]);
        }
        return true;
    }

    private static char[] Build()
    {
        var map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[b] = printable ? (char)b : (char)next++;
        }
        return map;
    }
}
