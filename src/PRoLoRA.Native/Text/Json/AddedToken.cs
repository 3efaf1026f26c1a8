using PRoLoRA.Native.IO.Input;

namespace PRoLoRA.Native.Text.Json;

/// <summary>One entry of tokenizer.json's added_tokens: a token matched whole in the text before anything else (bos, eos, chat markers).</summary>
internal sealed record AddedToken(int Id, string Content, bool SingleWord, bool LStrip, bool RStrip, bool Normalized, bool Special)
{
    /// <summary>Reads the entry <paramref name="field"/>.</summary>
    public static AddedToken Parse(JsonField field)
    {
        field.Object();
        var content = field["content"];
        string text = content.String();
        if (text.Length == 0)
        {
            throw content.Error("must not be empty");
        }
        return new AddedToken(
            field["id"].Int32(0, TokenizerLimits.MaxId),
            text,
            field.Optional("single_word")?.Bool() ?? false,
            field.Optional("lstrip")?.Bool() ?? false,
            field.Optional("rstrip")?.Bool() ?? false,
            field.Optional("normalized")?.Bool() ?? true,
            field.Optional("special")?.Bool() ?? false);
    }
}
