namespace PRoLoRA.Native.Tests.Text.Oracle;

/// <summary>The texts every oracle encodes: hard cases for normalizers, pre-tokenizers, merges and byte fallback.</summary>
internal static class OracleCorpus
{
    /// <summary>Texts without special-token markup (every oracle reads them alike).</summary>
    public static readonly string[] Plain =
    [
        "",
        " ",
        "   ",
        "Hello world!",
        " Hello",
        "  Hello  world  ",
        "Hello\tworld",
        "\t\tindented with tabs",
        "line one\nline two\n\nline four\n",
        "windows\r\nline\r\nends",
        " \n \t mixed \u00a0 whitespace \n\t",
        "trailing spaces   ",
        "0",
        "1234567890",
        "3.14159265358979323846",
        "12345678901234567890123456789012345678901234567890",
        "Call 555-1234 or +1 (800) 123-4567, ext. 89.",
        "I'm sure you're right; we'll see what they've done, she'd say it's fine.",
        "DON'T SHOUT, I'LL HEAR YOU'RE HERE",
        "naïve café résumé Ångström",
        "e\u0301 combining acute, a\u0308 combining diaeresis",
        "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǫ̗ text",
        "日本語のテキストです。東京タワー",
        "中文字符测试，标点符号！",
        "한국어 텍스트 처리",
        "Привет, мир! Ёжик",
        "Ελληνικά γράμματα",
        "עברית ועוד",
        "العربية ١٢٣",
        "हिन्दी भाषा",
        "ภาษาไทย",
        "emoji 😀👍🏽👨‍👩‍👧‍👦🇺🇸 end",
        "😀abc",
        "abc😀",
        "🙂Thanks 🙏",
        "𝐀𝐁𝐂 𝒳 math letters 𝟎𝟏",
        "𠀀𠀁𠀂 CJK extension B",
        "private use \uE000\uF8FF and \U000F0000",
        "zero\u200Bwidth\u200Djoiner\uFEFFbom",
        "ideographic\u3000space",
        "control \u0001\u0007\u001B\u007F chars",
        "ﬁ ligature, Ａｂｃ fullwidth, ①②③, Ⅻ",
        "def f(x):\n    return x ** 2  # square\n",
        "{\"json\": [1, 2.5, -3e10], \"k\": null}",
        "https://example.com/path?q=1&r=2#frag",
        "snake_case_identifier and camelCaseIdentifier",
        "a...b---c___d!!!e???",
        new string('a', 200),
        string.Concat(Enumerable.Repeat("ab ", 60)),
        string.Concat(Enumerable.Repeat("The quick brown fox jumps over the lazy dog. ", 20)),
    ];

    /// <summary>Texts that hold special tokens, read as the Hugging Face tokenizers read them (not for oracles that see them as text).</summary>
    public static readonly string[] WithSpecialTokens =
    [
        "<s>Hello</s>",
        "<s> looks special </s> but <unk> too",
        "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>",
        "text <|end_of_text|> more",
    ];

    /// <summary>All texts: <see cref="Plain"/>, then <see cref="WithSpecialTokens"/>.</summary>
    public static string[] All => [.. Plain, .. WithSpecialTokens];
}
