using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PRoLoRA.Native.Tests.Fuzz;

/// <summary>
/// Seeded JSON-aware mutations: the document is parsed (System.Text.Json.Nodes), a node is picked by
/// a random walk from the root (so fields deep in a document and the top level are hit alike, not
/// only the numbers of long arrays), and replaced, nudged, removed, renamed or duplicated. Text that
/// a JsonNode cannot hold (an escaped lone surrogate, invalid UTF-8, 1e309, -0.0, a duplicate key,
/// nesting past any limit) goes in as a placeholder string that is swapped for the raw bytes after
/// serialisation. Text that does not parse falls back to byte mutations.
/// </summary>
internal sealed class JsonMutator(Mutator bytes)
{
    /// <summary>Raw JSON values a node cannot hold, and edge numbers in the exact text wanted.</summary>
    private static readonly byte[][] RawValues =
    [
        .. new[]
        {
            "1e309", "-1e309", "1E400", "-0.0", "-0", "0.0", "4.0", "1e2", "1.5", "2147483648", "-2147483649", "4294967296", "9223372036854775807",
            "9223372036854775808", "-9223372036854775809", "18446744073709551616", "123456789012345678901234567890", "1e-400", "5e-324",
            "\"\\ud800\"", "\"\\udc00\"", "\"a\\ud800b\"", "\"\\udbff\\udfff\"", "\"\\u0000\"", "\"a\\u0000b\"", "\"\\u001b[31mred\"", "\"\\u2028\"",
        }.Select(Encoding.UTF8.GetBytes),
        [(byte)'"', 0xFF, (byte)'"'],
        [(byte)'"', 0xC0, 0x80, (byte)'"'],
        [(byte)'"', (byte)'a', 0x80, (byte)'"'],
        [(byte)'"', 0xED, 0xA0, 0x80, (byte)'"'],
        [(byte)'"', 0xF4, 0x90, 0x80, 0x80, (byte)'"'],
    ];

    /// <summary>Strings that mean something to one of the readers, and numbers written as strings.</summary>
    private static readonly string[] Strings =
    [
        "", "x", "F32", "F16", "BF16", "F64", "I64", "U8", "BOOL", "F8_E4M3", "f32", "Q7", "PROLORA", "LORA", "prolora-golden/1", "llama", "LlamaForCausalLM", "MistralForCausalLM", "linear", "dynamic", "silu", "gelu",
        "rectified", "vanilla", "pt", "__metadata__", "0", "-1", "1", "2", "7", "2147483647", "2147483648", "99999999999999999999", " 7", "+7", "7 ",
        "0x10", "1e3", "\u0663", "abc", "\n !\"'(),-.:;?0123456789abcdefghijklmnopqrstuvwxyz", "base_model.model.x.lora_A.weight", "a..b", ".", "a b",
    ];

    /// <summary>Numbers at the edges of the ranges the readers check.</summary>
    private static readonly JsonNode[] Numbers =
    [
        0, 1, 2, 3, -1, int.MaxValue, int.MinValue, 2147483648L, long.MaxValue, long.MinValue, 1e308, -1e308, 1.5, 0.5, -0.5, 65504.0, 65520.0, 3.4028235e38, 1e39, 4.9e-324,
    ];

    public Random Rng => bytes.Rng;

    /// <summary>1 to 3 stacked mutations of the JSON text <paramref name="utf8"/>.</summary>
    public byte[] Mutate(byte[] utf8, IReadOnlyList<byte[]> others)
    {
        int rounds = 1 + Rng.Next(3);
        for (int i = 0; i < rounds; i++)
        {
            utf8 = Once(utf8, others);
        }
        return utf8;
    }

    /// <summary>One JSON-aware mutation, or a byte mutation where the text does not parse.</summary>
    public byte[] Once(byte[] utf8, IReadOnlyList<byte[]> others)
    {
        try
        {
            var doc = new Document(JsonNode.Parse(utf8, documentOptions: new JsonDocumentOptions { MaxDepth = 256 }));
            Mutate(doc);
            return doc.Serialize();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException or FormatException or KeyNotFoundException)
        {
            // Not JSON (an earlier mutation broke it) or not representable as nodes: bytes it is.
            return bytes.ByteOnce(utf8, others);
        }
    }

    /// <summary>Applies <paramref name="edit"/> to the parsed <paramref name="utf8"/>; null when it does not parse as an object.</summary>
    public static byte[]? Edit(byte[] utf8, Action<JsonObject> edit)
    {
        try
        {
            if (JsonNode.Parse(utf8) is not JsonObject root)
            {
                return null;
            }
            edit(root);
            return Encoding.UTF8.GetBytes(root.ToJsonString());
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException or FormatException)
        {
            return null;
        }
    }

    private void Mutate(Document doc)
    {
        var slot = Walk(doc);
        switch (Rng.Next(10))
        {
            case 0 or 1 or 2:
                doc.Set(slot, Value(doc));
                break;
            case 3:
                Nudge(doc, slot);
                break;
            case 4:
                Remove(doc, slot);
                break;
            case 5:
                Rename(doc, slot);
                break;
            case 6:
                DuplicateKey(doc, slot);
                break;
            case 7:
                ArrayEdit(doc, slot);
                break;
            case 8:
                doc.Set(slot, doc.Raw(Bytes.Pick(RawValues)));
                break;
            default:
                doc.Set(slot, doc.Raw(Structure()));
                break;
        }
    }

    private Mutator Bytes => bytes;

    /// <summary>A slot reached by walking down from the root, stopping at each level below it with probability 1/4 (at the root, 1/30).</summary>
    private Slot Walk(Document doc)
    {
        var slot = new Slot(null, null, -1, doc.Root);
        while (!Bytes.Chance(slot.Parent is null ? 1.0 / 30 : 0.25))
        {
            var children = Children(slot.Value);
            if (children.Count == 0)
            {
                break;
            }
            slot = Bytes.Pick(children);
        }
        return slot;
    }

    private static List<Slot> Children(JsonNode? node) => node switch
    {
        JsonObject o => [.. o.Select(p => new Slot(o, p.Key, -1, p.Value))],
        JsonArray a => [.. a.Select((v, i) => new Slot(a, null, i, v))],
        _ => [],
    };

    private static List<Slot> AllSlots(JsonNode? node)
    {
        var slots = new List<Slot>();
        var pending = new Stack<JsonNode?>([node]);
        while (pending.Count > 0 && slots.Count < 10_000)
        {
            foreach (var child in Children(pending.Pop()))
            {
                slots.Add(child);
                pending.Push(child.Value);
            }
        }
        return slots;
    }

    /// <summary>A new value: an edge number, a string that means something, a container, a type swap, or a copy of another node of the document.</summary>
    private JsonNode? Value(Document doc)
    {
        switch (Rng.Next(9))
        {
            case 0:
                return null;
            case 1:
                return Bytes.Chance(0.5);
            case 2 or 3:
                return Bytes.Pick(Numbers).DeepClone();
            case 4:
                return Bytes.Pick(Strings);
            case 5:
                return Bytes.Pick<JsonNode>([new JsonArray(), new JsonObject(), new JsonArray(0), new JsonArray(1), new JsonArray(1, 1), new JsonArray(0, 0),
                    new JsonArray(int.MaxValue, int.MaxValue), new JsonArray(0, 4), new JsonArray("0", "4"), new JsonObject { ["dtype"] = "F32", ["shape"] = new JsonArray(1), ["data_offsets"] = new JsonArray(0, 4) }]);
            case 6:
                var all = AllSlots(doc.Root);
                return all.Count == 0 ? null : Bytes.Pick(all).Value?.DeepClone();
            case 7:
                var inner = Walk(doc).Value?.DeepClone();
                return Bytes.Chance(0.5) ? new JsonArray(inner) : new JsonObject { ["x"] = inner };
            default:
                return Bytes.Chance(0.5) ? $"{Rng.Next()}" : new string('a', 1 + Rng.Next(70_000));
        }
    }

    /// <summary>Raw structures no node should hold: nesting around the depth limit (and far past it), huge arrays, many dimensions.</summary>
    private byte[] Structure()
    {
        int depth = Bytes.Chance(0.2) ? 1000 + Rng.Next(100_000) : 55 + Rng.Next(15);
        switch (Rng.Next(4))
        {
            case 0:
                return Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth));
            case 1:
                var sb = new StringBuilder();
                for (int i = 0; i < depth; i++)
                {
                    sb.Append("{\"a\":");
                }
                sb.Append('1').Append('}', depth);
                return Encoding.UTF8.GetBytes(sb.ToString());
            case 2:
                return Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Repeat(Bytes.Chance(0.5) ? "1" : "0", 1 + Rng.Next(20_000))) + "]");
            default:
                return Encoding.UTF8.GetBytes(new string('[', depth));
        }
    }

    private void Nudge(Document doc, Slot slot)
    {
        if (slot.Value is not JsonValue v || !v.TryGetValue(out JsonElement e) || e.ValueKind != JsonValueKind.Number)
        {
            doc.Set(slot, Bytes.Pick(Numbers).DeepClone());
            return;
        }
        var text = e.GetRawText();
        if (Bytes.Chance(0.3))
        {
            doc.Set(slot, doc.Raw(Encoding.UTF8.GetBytes(Bytes.Pick([text + ".0", text + "e0", "-" + text, text + "0000000000", "0" + text, text + ".5"]))));
            return;
        }
        double d = e.GetDouble();
        double nudged = Rng.Next(7) switch
        {
            0 => d + 1,
            1 => d - 1,
            2 => -d,
            3 => d * 2,
            4 => Math.Floor(d / 2),
            5 => d * 65536,
            _ => 0,
        };
        doc.Set(slot, nudged == Math.Floor(nudged) && Math.Abs(nudged) < 9e18 ? JsonValue.Create((long)nudged) : JsonValue.Create(nudged));
    }

    private static void Remove(Document doc, Slot slot)
    {
        switch (slot.Parent)
        {
            case JsonObject o:
                o.Remove(slot.Key!);
                break;
            case JsonArray a:
                a.RemoveAt(slot.Index);
                break;
            default:
                doc.Root = new JsonObject();
                break;
        }
    }

    private void Rename(Document doc, Slot slot)
    {
        if (slot.Parent is not JsonObject o)
        {
            doc.Set(slot, Value(doc));
            return;
        }
        string key = slot.Key!;
        var siblings = o.Select(p => p.Key).ToList();
        var otherKeys = AllSlots(doc.Root).Where(s => s.Key is not null).Select(s => s.Key!).ToList();
        byte[] raw = Rng.Next(11) switch
        {
            0 => Quoted(""),
            1 => Quoted(key + "x"),
            2 => Quoted(key.ToUpperInvariant()),
            3 => Quoted("__metadata__"),
            4 => Quoted(Bytes.Pick(siblings)),
            5 => Quoted(Bytes.Pick(otherKeys)),
            6 => [.. Quoted(key)[..^1], .. "\\ud800\""u8],
            7 => [.. Quoted(key)[..^1], .. "\\u0000\""u8],
            8 => Quoted(new string('k', 1 + Rng.Next(5000))),
            9 => Quoted(Bytes.Pick([key + ".", key + " ", "." + key, key.Length > 1 ? key[..^1] : "", key.Replace('.', '/')])),
            _ => [(byte)'"', .. Encoding.UTF8.GetBytes(key), 0xFF, (byte)'"'],
        };
        int index = o.IndexOf(key);
        var value = o[key];
        o.RemoveAt(index);
        o.Insert(index, doc.Placeholder(raw), value);
    }

    private void DuplicateKey(Document doc, Slot slot)
    {
        var o = slot.Value as JsonObject ?? slot.Parent as JsonObject;
        if (o is null || o.Count == 0)
        {
            doc.Set(slot, Value(doc));
            return;
        }
        var (key, value) = o.GetAt(Rng.Next(o.Count));
        o.Insert(Rng.Next(o.Count + 1), doc.Placeholder(Quoted(key)), Bytes.Chance(0.5) ? value?.DeepClone() : Value(doc));
    }

    private void ArrayEdit(Document doc, Slot slot)
    {
        var a = slot.Value as JsonArray ?? slot.Parent as JsonArray;
        if (a is null)
        {
            doc.Set(slot, new JsonArray(Value(doc)));
            return;
        }
        switch (Rng.Next(5))
        {
            case 0 when a.Count > 0:
                a.Insert(Rng.Next(a.Count + 1), a[Rng.Next(a.Count)]?.DeepClone());
                break;
            case 1:
                a.Insert(Rng.Next(a.Count + 1), Value(doc));
                break;
            case 2:
                a.Clear();
                break;
            case 3 when a.Count > 0:
                a.RemoveAt(Rng.Next(a.Count));
                break;
            default:
                var items = a.Select(n => n?.DeepClone()).ToList();
                foreach (var item in Bytes.Chance(0.5) ? items.AsEnumerable().Reverse() : items)
                {
                    a.Add(item?.DeepClone());
                }
                break;
        }
    }

    private static byte[] Quoted(string text) => JsonSerializer.SerializeToUtf8Bytes(text);

    /// <summary>A node in its place: the parent object (with the key) or array (with the index); no parent for the root.</summary>
    private sealed record Slot(JsonNode? Parent, string? Key, int Index, JsonNode? Value);

    /// <summary>The document being mutated, and the raw text that replaces its placeholders when it is serialised.</summary>
    private sealed class Document(JsonNode? root)
    {
        private readonly List<(byte[] Placeholder, byte[] Raw)> _raw = [];

        public JsonNode? Root { get; set; } = root;

        public void Set(Slot slot, JsonNode? value)
        {
            switch (slot.Parent)
            {
                case JsonObject o:
                    o[slot.Key!] = value;
                    break;
                case JsonArray a:
                    a[slot.Index] = value;
                    break;
                default:
                    Root = value;
                    break;
            }
        }

        /// <summary>A string node that serialises as <paramref name="raw"/> (the placeholder's quotes included).</summary>
        public JsonNode Raw(byte[] raw) => JsonValue.Create(Placeholder(raw));

        /// <summary>A placeholder string (also usable as a key) replaced by <paramref name="raw"/>.</summary>
        public string Placeholder(byte[] raw)
        {
            var name = $"FUZZRAW{_raw.Count}X{Guid.NewGuid():N}";
            _raw.Add((Encoding.UTF8.GetBytes($"\"{name}\""), raw));
            return name;
        }

        public byte[] Serialize()
        {
            var text = Encoding.UTF8.GetBytes(Root?.ToJsonString() ?? "null");
            foreach (var (placeholder, raw) in _raw)
            {
                int at = text.AsSpan().IndexOf(placeholder);
                if (at >= 0)
                {
                    text = [.. text[..at], .. raw, .. text[(at + placeholder.Length)..]];
                }
            }
            return text;
        }
    }
}
