using System.Text.Json;

namespace PRoLoRA.Cli.Serving;

/// <summary>OpenAI's completion objects: the whole response, and the chunks of a stream.</summary>
public static class CompletionJson
{
    /// <summary>The response to a request that did not stream: all the events' text, log-probabilities, finish reason and usage.</summary>
    public static byte[] Response(string id, long created, string model, IReadOnlyList<CompletionEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var last = events[^1];
        return Write(w =>
        {
            Head(w, id, created, model);
            w.WriteStartArray("choices");
            Choice(w, string.Concat(events.Select(e => e.Text)), [.. events.Where(e => e.Logprob is not null).Select(e => e.Logprob!)], events.Any(e => e.Logprob is not null), last.FinishReason);
            w.WriteEndArray();
            Usage(w, last.Usage);
            w.WriteEndObject();
        });
    }

    /// <summary>One server-sent event's JSON for <paramref name="e"/>.</summary>
    public static byte[] Chunk(string id, long created, string model, CompletionEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return Write(w =>
        {
            Head(w, id, created, model);
            w.WriteStartArray("choices");
            Choice(w, e.Text, e.Logprob is null ? [] : [e.Logprob], e.Logprob is not null, e.FinishReason);
            w.WriteEndArray();
            if (e.Usage is not null)
            {
                Usage(w, e.Usage);
            }
            w.WriteEndObject();
        });
    }

    private static void Head(Utf8JsonWriter w, string id, long created, string model)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("object", "text_completion");
        w.WriteNumber("created", created);
        w.WriteString("model", model);
    }

    private static void Choice(Utf8JsonWriter w, string text, IReadOnlyList<CompletionLogprob> logprobs, bool withLogprobs, string? finish)
    {
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        w.WriteString("text", text);
        if (withLogprobs)
        {
            w.WriteStartObject("logprobs");
            w.WriteStartArray("tokens");
            foreach (var t in logprobs)
            {
                w.WriteStringValue(t.Token);
            }
            w.WriteEndArray();
            w.WriteStartArray("token_logprobs");
            foreach (var t in logprobs)
            {
                w.WriteNumberValue(t.Logprob);
            }
            w.WriteEndArray();
            w.WriteStartArray("top_logprobs");
            foreach (var t in logprobs)
            {
                w.WriteStartObject();
                foreach (var (token, logprob) in t.Top)
                {
                    w.WriteNumber(token, logprob);
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("text_offset");
            int offset = 0;
            foreach (var t in logprobs)
            {
                w.WriteNumberValue(offset);
                offset += t.Token.Length;
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("logprobs");
        }
        if (finish is null)
        {
            w.WriteNull("finish_reason");
        }
        else
        {
            w.WriteString("finish_reason", finish);
        }
        w.WriteEndObject();
    }

    private static void Usage(Utf8JsonWriter w, CompletionUsage? usage)
    {
        if (usage is null)
        {
            return;
        }
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", usage.PromptTokens);
        w.WriteNumber("completion_tokens", usage.CompletionTokens);
        w.WriteNumber("total_tokens", usage.PromptTokens + usage.CompletionTokens);
        w.WriteEndObject();
    }

    /// <summary>A JSON value written by <paramref name="write"/>.</summary>
    public static byte[] Write(Action<Utf8JsonWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            write(w);
        }
        return stream.ToArray();
    }
}
