using PRoLoRA.Native.IO.Input;

namespace PRoLoRA.Cli.Serving;

/// <summary>
/// A <c>POST /v1/completions</c> body, checked: every field's kind and range, unknown sampling
/// values refused with a 400 that names the field (OpenAI's <c>param</c>).
/// </summary>
/// <param name="Model">The model id: the base's, or a loaded adapter's name.</param>
/// <param name="PromptText">The prompt as text, or null when given as token ids.</param>
/// <param name="PromptIds">The prompt as token ids, or null when given as text.</param>
/// <param name="MaxTokens">The most tokens to generate.</param>
/// <param name="Temperature">0: greedy; above 0, sampling.</param>
/// <param name="TopP">Nucleus sampling's mass, in (0, 1].</param>
/// <param name="Seed">The sampling seed, or null for one drawn by the server.</param>
/// <param name="Stop">Stop strings (not included in the text).</param>
/// <param name="Logprobs">How many alternatives' log-probabilities per token (0–5), or null for none.</param>
/// <param name="Stream">Server-sent events instead of one response.</param>
public sealed record CompletionRequest(string Model, string? PromptText, int[]? PromptIds, int MaxTokens, float Temperature, float TopP, int? Seed, IReadOnlyList<string> Stop, int? Logprobs, bool Stream)
{
    /// <summary>OpenAI's default max_tokens.</summary>
    public const int DefaultMaxTokens = 16;

    /// <summary>The most stop strings a request may give (OpenAI's limit).</summary>
    public const int MaxStops = 4;

    /// <summary>The most alternatives per token (OpenAI's limit for completions).</summary>
    public const int MaxLogprobs = 5;

    /// <summary>Parses <paramref name="body"/> (UTF-8 JSON); any problem is a 400 naming the field.</summary>
    public static CompletionRequest Parse(ReadOnlyMemory<byte> body)
    {
        var root = Field(null, () => JsonInput.Parse("request", body).Object());
        string model = Field("model", () => root["model"].String());
        var prompt = Field("prompt", () => root["prompt"]);
        string? text = null;
        int[]? ids = null;
        Field("prompt", () =>
        {
            if (prompt.Kind == System.Text.Json.JsonValueKind.String)
            {
                text = prompt.String();
            }
            else
            {
                var items = prompt.Items();
                if (items.Count == 1 && items[0].Kind == System.Text.Json.JsonValueKind.String)
                {
                    text = items[0].String();
                }
                else
                {
                    ids = [.. items.Select(i => i.Int32(0))];
                    if (ids.Length == 0)
                    {
                        throw prompt.Error("must not be empty");
                    }
                }
            }
            return 0;
        });
        int n = Field("n", () => root.Optional("n")?.Int32() ?? 1);
        if (n != 1)
        {
            throw ApiException.BadRequest($"n must be 1 (one completion per request), got {n}", "n");
        }
        if (Field("best_of", () => root.Optional("best_of")?.Int32() ?? 1) != 1)
        {
            throw ApiException.BadRequest("best_of must be 1", "best_of");
        }
        if (Field("echo", () => root.Optional("echo")?.Bool() ?? false))
        {
            throw ApiException.BadRequest("echo is not supported", "echo");
        }
        return new CompletionRequest(
            model,
            text,
            ids,
            Field("max_tokens", () => root.Optional("max_tokens")?.Int32(1) ?? DefaultMaxTokens),
            Field("temperature", () => TemperatureOf(root)),
            Field("top_p", () => TopPOf(root)),
            Field("seed", () => root.Optional("seed")?.Int32() is { } s ? s : (int?)null),
            Field("stop", () => StopOf(root)),
            Field("logprobs", () => root.Optional("logprobs")?.Int32(0, MaxLogprobs) is { } k ? k : (int?)null),
            Field("stream", () => root.Optional("stream")?.Bool() ?? false));
    }

    private static float TopPOf(JsonField root)
    {
        if (root.Optional("top_p") is not { } f)
        {
            return 1f;
        }
        float p = f.Single();
        return p > 0f && p <= 1f ? p : throw f.Error($"must be in (0, 1], got {f.Describe()}");
    }

    private static IReadOnlyList<string> StopOf(JsonField root)
    {
        if (root.Optional("stop") is not { } f)
        {
            return [];
        }
        string[] stops = f.Kind == System.Text.Json.JsonValueKind.String ? [f.String()] : [.. f.Items().Select(i => i.String())];
        if (stops.Length > MaxStops)
        {
            throw f.Error($"may hold at most {MaxStops} strings, got {stops.Length}");
        }
        return stops.Any(s => s.Length == 0) ? throw f.Error("must not hold an empty string") : stops;
    }

    private static float TemperatureOf(JsonField root)
    {
        if (root.Optional("temperature") is not { } f)
        {
            return 1f;
        }
        float t = f.Single();
        return t is >= 0f and <= 2f ? t : throw f.Error($"must be in [0, 2], got {f.Describe()}");
    }

    /// <summary>Reads one field; a reading error becomes a 400 naming <paramref name="param"/>.</summary>
    private static T Field<T>(string? param, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (InvalidDataException e)
        {
            throw ApiException.BadRequest(e.Message, param);
        }
    }
}
