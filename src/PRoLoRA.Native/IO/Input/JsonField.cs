using System.Globalization;
using System.Text.Json;

namespace PRoLoRA.Native.IO.Input;

/// <summary>
/// A value in a JSON document read from untrusted input (see <see cref="JsonInput"/>), with the file
/// it came from and where it sits in the document (<c>modules['m.q'].r</c>, <c>cases[3].config</c>).
/// Every accessor checks the kind and the range and throws an <see cref="InvalidDataException"/> that
/// names the file, the field and the problem; no other exception escapes.
/// </summary>
internal readonly struct JsonField
{
    internal JsonField(string source, string where, JsonElement element)
    {
        Source = source;
        Where = where;
        Element = element;
    }

    /// <summary>Where the document came from, as messages start: the file's path (and a context, as "PATH: not a valid safetensors file: header").</summary>
    public string Source { get; }

    /// <summary>The path to this value in the document; empty for the top level.</summary>
    public string Where { get; }

    /// <summary>The value itself.</summary>
    public JsonElement Element { get; }

    /// <summary>The kind of the value.</summary>
    public JsonValueKind Kind => Element.ValueKind;

    /// <summary>An error about this value: "FILE: WHERE: PROBLEM".</summary>
    public InvalidDataException Error(string problem)
        => new(Where.Length == 0 ? $"{Source}: {problem}" : $"{Source}: {Where}: {problem}");

    /// <summary>This value, which must be an object.</summary>
    public JsonField Object()
        => Kind == JsonValueKind.Object ? this : throw Error($"must be a JSON object, got {Describe()}");

    /// <summary>The field <paramref name="name"/> of this object; missing is an error.</summary>
    public JsonField this[string name] => Optional(name) ?? throw Error($"field '{name}' is missing");

    /// <summary>The field <paramref name="name"/> of this object, or null when it is missing or JSON null.</summary>
    public JsonField? Optional(string name)
    {
        Object();
        return Element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? Child(name, value) : null;
    }

    /// <summary>The fields of this object, in the file's order.</summary>
    public IEnumerable<KeyValuePair<string, JsonField>> Properties()
    {
        Object();
        foreach (var p in Element.EnumerateObject())
        {
            yield return new(p.Name, Child(p.Name, p.Value));
        }
    }

    /// <summary>The items of this array; with <paramref name="count"/>, exactly that many.</summary>
    public IReadOnlyList<JsonField> Items(int? count = null)
    {
        if (Kind != JsonValueKind.Array)
        {
            throw Error($"must be a JSON array, got {Describe()}");
        }
        int n = Element.GetArrayLength();
        if (count is { } want && n != want)
        {
            throw Error($"must have {want} items, found {n}");
        }
        var items = new JsonField[n];
        int i = 0;
        foreach (var item in Element.EnumerateArray())
        {
            items[i] = new JsonField(Source, $"{Where}[{i}]", item);
            i++;
        }
        return items;
    }

    /// <summary>This value, an array of finite numbers, as doubles (without a <see cref="JsonField"/> per item).</summary>
    public double[] Doubles()
    {
        if (Kind != JsonValueKind.Array)
        {
            throw Error($"must be a JSON array of numbers, got {Describe()}");
        }
        var values = new double[Element.GetArrayLength()];
        int i = 0;
        foreach (var item in Element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetDouble(out values[i]) || !double.IsFinite(values[i]))
            {
                return [.. Items().Select(f => f.Double())];
            }
            i++;
        }
        return values;
    }

    /// <summary>This value as a string.</summary>
    public string String()
        => Kind == JsonValueKind.String ? Element.GetString()! : throw Error($"must be a string, got {Describe()}");

    /// <summary>This value as true or false.</summary>
    public bool Bool()
        => Kind is JsonValueKind.True or JsonValueKind.False ? Kind == JsonValueKind.True : throw Error($"must be true or false, got {Describe()}");

    /// <summary>This value as a whole number in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public long Int64(long min = long.MinValue, long max = long.MaxValue) => Whole(min, max, long.MinValue, long.MaxValue);

    /// <summary>This value as a whole number in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int Int32(int min = int.MinValue, int max = int.MaxValue) => (int)Whole(min, max, int.MinValue, int.MaxValue);

    /// <summary>This value as a finite number.</summary>
    public double Double()
    {
        if (Kind == JsonValueKind.Number && Element.TryGetDouble(out double v) && double.IsFinite(v))
        {
            return v;
        }
        throw Error($"must be a finite number, got {Describe()}");
    }

    /// <summary>This value as a number that is finite in float32.</summary>
    public float Single()
    {
        float v = (float)Double();
        return float.IsFinite(v) ? v : throw Error($"must be a number within float32's range, got {Describe()}");
    }

    /// <summary>The value as a whole number in [min, max]; the message states the bounds that are narrower than the type's.</summary>
    private long Whole(long min, long max, long typeMin, long typeMax)
    {
        if (Kind == JsonValueKind.Number && Element.TryGetInt64(out long v) && v >= min && v <= max)
        {
            return v;
        }
        string range = (min == typeMin, max == typeMax) switch
        {
            (true, true) => "",
            (false, true) => $" >= {min}",
            (true, false) => $" <= {max}",
            _ => $" in [{min}, {max}]",
        };
        throw Error($"must be a whole number{range}, got {Describe()}");
    }

    /// <summary>The value in a few words for messages: its text when short, else its kind.</summary>
    public string Describe() => Kind switch
    {
        JsonValueKind.String => $"\"{Printable.Text(Element.GetString()!, 40)}\"",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.Undefined => "nothing",
        _ => Printable.Text(Element.GetRawText(), 40),
    };

    private JsonField Child(string name, JsonElement value) => new(Source, Join(Where, name), value);

    /// <summary>"parent.name" for plain names, "parent['a.b']" for the rest (module paths have dots).</summary>
    private static string Join(string where, string name)
    {
        bool plain = name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
        return plain
            ? where.Length == 0 ? name : $"{where}.{name}"
            : string.Create(CultureInfo.InvariantCulture, $"{where}['{Printable.Text(name, 64)}']");
    }
}
