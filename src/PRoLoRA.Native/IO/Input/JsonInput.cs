using System.Text.Json;

namespace PRoLoRA.Native.IO.Input;

/// <summary>
/// Reads JSON from untrusted input, the one way every reader does: a regular file of bounded size,
/// parsed with bounded nesting, then walked once so that nothing fails later. System.Text.Json
/// accepts some text it cannot hand back as a .NET string (an escaped lone surrogate such as
/// <c>"\ud800"</c>, invalid UTF-8 inside a string) and only throws when the string is read; the walk
/// reads every name and string up front and rejects those, and duplicate keys, naming the file and
/// the place. The result is a <see cref="JsonField"/> with typed accessors.
/// </summary>
internal static class JsonInput
{
    /// <summary>Reads and checks the JSON file <paramref name="path"/> (at most <paramref name="maxBytes"/> bytes).</summary>
    public static JsonField Load(string path, long maxBytes = InputLimits.ConfigBytes)
        => Parse(path, InputFile.ReadAllBytes(path, maxBytes));

    /// <summary>Parses and checks <paramref name="utf8"/>; messages start with <paramref name="source"/> (the file, and a context where the JSON is part of it).</summary>
    public static JsonField Parse(string source, ReadOnlyMemory<byte> utf8)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = InputLimits.JsonDepth });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not valid JSON: {e.Message}", e);
        }
        using (doc)
        {
            Check(new JsonField(source, "", doc.RootElement));
            return new JsonField(source, "", doc.RootElement.Clone());
        }
    }

    private static void Check(JsonField field)
    {
        switch (field.Kind)
        {
            case JsonValueKind.String:
                Decode(field, () => field.Element.GetString(), "a string");
                break;
            case JsonValueKind.Array:
                int i = 0;
                foreach (var item in field.Element.EnumerateArray())
                {
                    if (item.ValueKind is JsonValueKind.String or JsonValueKind.Array or JsonValueKind.Object)
                    {
                        Check(new JsonField(field.Source, $"{field.Where}[{i}]", item));
                    }
                    i++;
                }
                break;
            case JsonValueKind.Object:
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in field.Element.EnumerateObject())
                {
                    var name = Decode(field, () => property.Name, "a key");
                    if (!names.Add(name))
                    {
                        throw field.Error($"duplicate key '{Printable.Text(name)}'");
                    }
                }
                foreach (var (_, value) in field.Properties())
                {
                    Check(value);
                }
                break;
        }
    }

    private static string Decode(JsonField field, Func<string?> read, string what)
    {
        try
        {
            return read()!;
        }
        catch (InvalidOperationException)
        {
            throw field.Error($"{what} is not valid text (invalid UTF-8, or an escaped lone surrogate such as \\ud800)");
        }
    }
}
