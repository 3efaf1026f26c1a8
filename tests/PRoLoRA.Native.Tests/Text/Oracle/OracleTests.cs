using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using PRoLoRA.Native.Text;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Text.Oracle;

/// <summary>
/// Our tokenizers against real implementations from npm, on <see cref="OracleCorpus"/>: token ids
/// without and with special tokens, and decoding. The vocabularies come from the packages and are
/// written as checkpoint folders at test time (oracle.mjs), in a temporary folder.
/// </summary>
[TestFixture]
[NonParallelizable]
public class OracleTests
{
    private const int NodeSeconds = 180;
    private readonly Dictionary<string, ITokenizer> _loaded = [];
    private string _folder = "";
    private JsonElement _expected;

    [OneTimeSetUp]
    public void Prepare()
    {
        string install = NpmOracles.Install();
        _folder = Directory.CreateTempSubdirectory("prolora-tokenizer-oracles-").FullName;
        string corpus = Path.Combine(_folder, "corpus.json");
        File.WriteAllText(corpus, JsonSerializer.Serialize(OracleCorpus.All));
        string script = Path.Combine(TestContext.CurrentContext.TestDirectory, "Text", "Oracle", "oracle.mjs");
        var result = BoundedProcess.Run("node", [script, install, _folder, corpus], _folder, NodeSeconds);
        Assert.That(result, Is.Not.Null, "node did not start");
        Assert.That(result!.Value.ExitCode, Is.Zero, $"oracle.mjs failed:\n{BoundedProcess.Tail(result.Value.Output)}");
        _expected = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_folder, "expected.json"))).RootElement.Clone();
    }

    [OneTimeTearDown]
    public void CleanUp()
    {
        if (_folder.Length > 0 && Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    /// <summary>
    /// Target folder; oracle; whether the oracle reads special-token markup as the Hugging Face
    /// tokenizers do (llama-tokenizer-js reads &lt;s&gt; as text, where the tokenizer.json does not);
    /// whether its decoding leaves special tokens out (llama3-tokenizer-js writes them).
    /// </summary>
    [TestCase("llama3", "llama3-tokenizer-js", true, false)]
    [TestCase("llama3", "tokenizers.js", true, true)]
    [TestCase("gpt2-style", "tokenizers.js", true, true)]
    [TestCase("smollm-style", "tokenizers.js", true, true)]
    [TestCase("llama2-json", "llama-tokenizer-js", false, true)]
    [TestCase("llama2-json", "tokenizers.js", true, true)]
    [TestCase("llama2-metaspace", "tokenizers.js", true, true)]
    [TestCase("llama2-model", "sentencepiece", true, true)]
    [TestCase("llama2-model", "llama-tokenizer-js", true, true)]
    [TestCase("llama2-model-collapse", "sentencepiece", true, true)]
    public void Matches(string target, string oracle, bool readsSpecialTokens, bool decodeSkipsSpecial)
    {
        var tokenizer = Load(target);
        var results = _expected.GetProperty(target).GetProperty(oracle);
        string[] texts = OracleCorpus.All;
        int count = readsSpecialTokens ? texts.Length : OracleCorpus.Plain.Length;
        var mismatches = new List<string>();
        var known = new List<string>();
        var used = new HashSet<OracleDeviations.Deviation>();
        void Differ(int i, string aspect, string message)
        {
            if (OracleDeviations.Find(target, oracle, texts[i], aspect) is { } deviation)
            {
                used.Add(deviation);
                known.Add($"[{i}] known: {deviation.Reason}");
            }
            else
            {
                mismatches.Add($"[{i}] {Show(texts[i])}: {message}");
            }
        }
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
        {
            var expected = results[i];
            string text = texts[i];
            if (expected.TryGetProperty("error", out var error))
            {
                mismatches.Add($"[{i}] {Show(text)}: the oracle failed: {error}");
                continue;
            }
            int[] ids = tokenizer.Encode(text, addSpecialTokens: false);
            Compare(Differ, i, "ids", ids, Ints(expected.GetProperty("ids")));
            Compare(Differ, i, "ids with special tokens", tokenizer.Encode(text), Ints(expected.GetProperty("special")));
            string theirs = expected.GetProperty("text").GetString()!;
            string ours = tokenizer.Decode(ids, skipSpecial: decodeSkipsSpecial);
            if (ours != theirs)
            {
                Differ(i, "decoded", $"decoded {Show(ours)}, {oracle} {Show(theirs)}");
            }
        }
        int differing = mismatches.Concat(known).Select(m => m.Split(']')[0]).Distinct().Count();
        TestContext.Out.WriteLine($"{target} vs {oracle}: {count} texts, {count - differing} equal, {differing - mismatches.Select(m => m.Split(']')[0]).Distinct().Count()} known differences, {watch.ElapsedMilliseconds} ms");
        foreach (var k in known.Distinct())
        {
            TestContext.Out.WriteLine($"  {k}");
        }
        Assert.That(mismatches, Is.Empty, $"{target} vs {oracle}: {mismatches.Count} differences:\n{string.Join("\n", mismatches.Take(20))}");
        var stale = OracleDeviations.All.Where(d => d.Target == target && d.Oracle == oracle && !used.Contains(d)).Select(d => Show(d.Text));
        Assert.That(stale, Is.Empty, "known differences that no longer occur: remove them from OracleDeviations");
    }

    /// <summary>Decoding gives back the text, on every target whose normalization and pre-tokenization lose nothing (not a prefix space, not whitespace removal).</summary>
    [TestCase("llama3")]
    [TestCase("gpt2-style")]
    [TestCase("llama2-json")]
    [TestCase("llama2-model")]
    public void RoundTrips(string target)
    {
        var tokenizer = Load(target);
        var failures = OracleCorpus.Plain.Where(text => tokenizer.Decode(tokenizer.Encode(text)) != text);
        Assert.That(failures.Select(Show), Is.Empty);
    }

    /// <summary>One tokenizer used from several threads at once gives what it gives on one (the BPE cache is shared).</summary>
    [TestCase("llama3")]
    [TestCase("llama2-json")]
    [TestCase("llama2-model")]
    public void EncodesTheSameFromManyThreads(string target)
    {
        var tokenizer = Load(target);
        string[] texts = [.. Enumerable.Repeat(OracleCorpus.All, 8).SelectMany(t => t)];
        var serial = texts.Select(t => tokenizer.Encode(t)).ToArray();
        var parallel = new int[texts.Length][];
        Parallel.For(0, texts.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => parallel[i] = tokenizer.Encode(texts[i]));
        Assert.That(Enumerable.Range(0, texts.Length).Where(i => !serial[i].SequenceEqual(parallel[i])).Select(i => Show(texts[i])), Is.Empty);
    }

    private ITokenizer Load(string target)
    {
        if (!_loaded.TryGetValue(target, out var tokenizer))
        {
            _loaded[target] = tokenizer = Tokenizers.Load(Path.Combine(_folder, target));
        }
        return tokenizer;
    }

    private static void Compare(Action<int, string, string> differ, int i, string what, int[] ours, int[] theirs)
    {
        if (!ours.SequenceEqual(theirs))
        {
            differ(i, what, $"{what} [{string.Join(", ", ours)}], oracle [{string.Join(", ", theirs)}]");
        }
    }

    private static int[] Ints(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetInt32())];

    /// <summary>Text for a message: quoted, control and invisible characters escaped, long texts cut.</summary>
    private static string Show(string text)
    {
        var sb = new StringBuilder("\"");
        foreach (var rune in text.EnumerateRunes())
        {
            if (Rune.IsControl(rune) || Rune.GetUnicodeCategory(rune) is UnicodeCategory.Format or UnicodeCategory.SpaceSeparator && rune.Value != ' ')
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\u{rune.Value:X4}");
            }
            else
            {
                sb.Append(rune.ToString());
            }
        }
        string shown = sb.Append('"').ToString();
        return shown.Length <= 80 ? shown : shown[..77] + "…\"";
    }
}
