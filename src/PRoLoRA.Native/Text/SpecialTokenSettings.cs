using System.Text.Json;
using PRoLoRA.Native.IO.FileSystem;
using PRoLoRA.Native.IO.Input;

namespace PRoLoRA.Native.Text;

/// <summary>
/// BOS and EOS of a checkpoint folder, from the files beside the tokenizer: tokenizer_config.json
/// (bos_token, eos_token, add_bos_token, add_eos_token), generation_config.json and config.json
/// (bos_token_id, eos_token_id: a number or a list). The tokenizer's own tokens come first, then
/// generation_config.json's, then config.json's, then what the tokenizer file itself says. Every
/// token and id named must be one of the tokenizer's; each file is optional.
/// </summary>
internal sealed record SpecialTokenSettings(int? BosId, int? EosId, int[] EosIds, int[] Prefix, int[] Suffix)
{
    /// <summary>The settings of <paramref name="folder"/> for <paramref name="core"/>.</summary>
    public static SpecialTokenSettings Read(string folder, TokenizerCore core)
    {
        var tokenizerConfig = Optional(folder, "tokenizer_config.json");
        var generation = Optional(folder, "generation_config.json");
        var config = Optional(folder, "config.json");

        int? bos = TokenId(tokenizerConfig, "bos_token", core);
        int? eos = TokenId(tokenizerConfig, "eos_token", core);
        var generationBos = Ids(generation, "bos_token_id", core);
        var generationEos = Ids(generation, "eos_token_id", core);
        var configBos = Ids(config, "bos_token_id", core);
        var configEos = Ids(config, "eos_token_id", core);

        int? bosId = bos ?? First(generationBos) ?? First(configBos) ?? (core.Prefix.Length == 1 ? core.Prefix[0] : null);
        int? eosId = eos ?? First(generationEos) ?? First(configEos) ?? core.DefaultEosId ?? (core.Suffix.Length == 1 ? core.Suffix[0] : null);
        int[] eosIds = [.. new[] { eosId }.OfType<int>().Concat(generationEos).Concat(configEos).Distinct()];

        int[] prefix = Added(tokenizerConfig, "add_bos_token", bosId, "bos") ?? core.Prefix;
        int[] suffix = Added(tokenizerConfig, "add_eos_token", eosId, "eos") ?? core.Suffix;
        return new SpecialTokenSettings(bosId, eosId, eosIds, prefix, suffix);
    }

    private static JsonField? Optional(string folder, string name)
    {
        string path = Path.Combine(folder, name);
        return FileStatus.Of(path).Kind == FileKind.Missing ? null : JsonInput.Load(path).Object();
    }

    private static int? First(int[] ids) => ids.Length > 0 ? ids[0] : null;

    /// <summary>The id of the token that <paramref name="name"/> names: a string, or an object with its "content" (an AddedToken as transformers writes it).</summary>
    private static int? TokenId(JsonField? file, string name, TokenizerCore core)
    {
        if (file?.Optional(name) is not { } field)
        {
            return null;
        }
        var content = field.Kind == JsonValueKind.Object ? field["content"] : field;
        string token = content.String();
        return core.IdOf(token) ?? throw content.Error($"'{Printable.Text(token)}' is not a token of {core.Source}");
    }

    /// <summary>The ids of <paramref name="name"/>: a number or a list of numbers, each a token of the tokenizer.</summary>
    private static int[] Ids(JsonField? file, string name, TokenizerCore core)
    {
        if (file?.Optional(name) is not { } field)
        {
            return [];
        }
        var items = field.Kind == JsonValueKind.Array ? field.Items() : [field];
        return [.. items.Select(item =>
        {
            int id = item.Int32(0, TokenizerLimits.MaxId);
            return core.IsKnown(id) ? id : throw item.Error($"id {id} is not a token of {core.Source}");
        })];
    }

    /// <summary>[id] or [] when the flag <paramref name="name"/> is set; null when absent.</summary>
    private static int[]? Added(JsonField? file, string name, int? id, string what)
    {
        if (file?.Optional(name) is not { } flag)
        {
            return null;
        }
        if (!flag.Bool())
        {
            return [];
        }
        return id is { } value ? [value] : throw flag.Error($"is true, but the checkpoint names no {what} token");
    }
}
