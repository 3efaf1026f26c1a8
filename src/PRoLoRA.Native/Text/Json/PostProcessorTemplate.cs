using PRoLoRA.Native.IO.Input;

namespace PRoLoRA.Native.Text.Json;

/// <summary>
/// What tokenizer.json's post_processor adds around one encoded text: the ids before it (Llama's
/// &lt;s&gt;, Llama 3's &lt;|begin_of_text|&gt;) and after it. TemplateProcessing, ByteLevel (which adds
/// nothing to ids) and Sequence are read; pair templates and type ids play no part here.
/// </summary>
internal sealed record PostProcessorTemplate(int[] Prefix, int[] Suffix)
{
    /// <summary>Nothing added.</summary>
    public static readonly PostProcessorTemplate None = new([], []);

    /// <summary>Reads <paramref name="field"/> (null: none).</summary>
    public static PostProcessorTemplate Parse(JsonField? field)
    {
        if (field is not { } f)
        {
            return None;
        }
        string type = f.Object()["type"].String();
        switch (type)
        {
            case "ByteLevel":
                return None;
            case "Sequence":
                // A later processor wraps what the earlier ones made.
                return f["processors"].Items().Select(p => Parse(p)).Aggregate(None, (inner, outer) => new([.. outer.Prefix, .. inner.Prefix], [.. inner.Suffix, .. outer.Suffix]));
            case "TemplateProcessing":
                return ParseTemplate(f);
            default:
                throw f.Error($"the post-processor '{Printable.Text(type)}' is not supported (supported: TemplateProcessing, ByteLevel, Sequence)");
        }
    }

    private static PostProcessorTemplate ParseTemplate(JsonField field)
    {
        var special = field["special_tokens"].Object();
        var prefix = new List<int>();
        var suffix = new List<int>();
        bool sawSequence = false;
        foreach (var item in field["single"].Items())
        {
            if (item.Object().Optional("Sequence") is { } sequence)
            {
                if (sawSequence || sequence["id"].String() != "A")
                {
                    throw item.Error("a single template must hold the sequence $A once");
                }
                sawSequence = true;
                continue;
            }
            string name = item["SpecialToken"]["id"].String();
            var entry = special.Optional(name) ?? throw item.Error($"names '{Printable.Text(name)}', which special_tokens lacks");
            (sawSequence ? suffix : prefix).AddRange(entry["ids"].Items().Select(id => id.Int32(0, TokenizerLimits.MaxId)));
        }
        return sawSequence ? new([.. prefix], [.. suffix]) : throw field["single"].Error("a single template must hold the sequence $A once");
    }
}
