using System.Text.Json.Nodes;
using PRoLoRA.Native.Tests.IO;
using PRoLoRA.Native.Tests.Support;
using PRoLoRA.Native.Text;
using static PRoLoRA.Native.Tests.Text.TokenizerFiles;

namespace PRoLoRA.Native.Tests.Text;

/// <summary>Bad and unsupported tokenizer files: an <see cref="InvalidDataException"/> naming the file, the field and the problem; never another error, a crash or a hang.</summary>
public class BadTokenizerFileTests
{
    /// <summary>A change to a valid Llama 2-style tokenizer.json, and what the message must say.</summary>
    public static IEnumerable<TestCaseData> JsonCases()
    {
        TestCaseData Case(string name, Action<JsonObject> change, string message) => new TestCaseData(change, message).SetName($"Json_{name}");

        yield return Case("WordPiece", j => j["model"]!["type"] = "WordPiece", "tokenizer.json: model.type: the model type 'WordPiece' is not supported (only BPE)");
        yield return Case("Unigram", j => j["model"]!["type"] = "Unigram", "the model type 'Unigram' is not supported");
        yield return Case("NFC", j => j["normalizer"] = JsonNode.Parse("""{"type":"NFC"}"""), "tokenizer.json: normalizer: the normalizer 'NFC' is not supported");
        yield return Case("Lowercase", j => j["normalizer"] = JsonNode.Parse("""{"type":"Sequence","normalizers":[{"type":"Lowercase"}]}"""), "normalizer.normalizers[0]: the normalizer 'Lowercase' is not supported");
        yield return Case("Whitespace", j => j["pre_tokenizer"] = JsonNode.Parse("""{"type":"Whitespace"}"""), "pre_tokenizer: the pre-tokenizer 'Whitespace' is not supported");
        yield return Case("WordPieceDecoder", j => j["decoder"] = JsonNode.Parse("""{"type":"WordPiece"}"""), "decoder: the decoder 'WordPiece' is not supported");
        yield return Case("BertProcessing", j => j["post_processor"] = JsonNode.Parse("""{"type":"BertProcessing"}"""), "post_processor: the post-processor 'BertProcessing' is not supported");
        yield return Case("Dropout", j => j["model"]!["dropout"] = 0.1, "model.dropout: BPE dropout is not supported");
        yield return Case("MissingModel", j => j.Remove("model"), "tokenizer.json: field 'model' is missing");
        yield return Case("EmptyVocab", j => j["model"]!["vocab"] = new JsonObject(), "model.vocab: the vocabulary is empty");
        yield return Case("NegativeId", j => j["model"]!["vocab"]!["▁h"] = -5, "model.vocab['▁h']: must be a whole number in [0,");
        yield return Case("HugeId", j => j["model"]!["vocab"]!["▁h"] = 1L << 40, "must be a whole number in [0, 16777215]");
        yield return Case("RepeatedId", j => j["model"]!["vocab"]!["▁h"] = 259, "model.vocab['▁h']: id 259 is also the id of '▁'");
        yield return Case("MergeOfUnknownToken", j => j["model"]!["merges"]!.AsArray().Add("▁ zz"), "model.merges[2]: 'zz' is not in the vocabulary");
        yield return Case("MergeResultMissing", j => j["model"]!["merges"]!.AsArray().Add("h ▁"), "model.merges[2]: the merged token 'h▁' is not in the vocabulary");
        yield return Case("MergeWithoutSpace", j => j["model"]!["merges"]!.AsArray().Add("h"), "model.merges[2]: must be two tokens separated by one space");
        yield return Case("RepeatedMerge", j => j["model"]!["merges"]!.AsArray().Add("▁ h"), "model.merges[2]: repeats an earlier merge");
        yield return Case("MergeOfBytes", j => { j["model"]!["vocab"]!["<0x41><0x42>"] = 300; j["model"]!["merges"]!.AsArray().Add("<0x41> <0x42>"); }, "merges of byte-fallback tokens (<0x..>) are not supported");
        yield return Case("UnkNotInVocab", j => j["model"]!["unk_token"] = "<missing>", "model.unk_token: '<missing>' is not in the vocabulary");
        yield return Case("AddedConflict", j => j["added_tokens"]!.AsArray().Add(Added(5, "<s>")), "added_tokens[3]: conflicts with the added token 1 '<s>'");
        yield return Case("AddedEmpty", j => j["added_tokens"]!.AsArray().Add(Added(5, "")), "added_tokens[3].content: must not be empty");
        yield return Case("TemplateUnknownToken", j => j["post_processor"]!["single"]![0]!["SpecialToken"]!["id"] = "<x>", "post_processor.single[0]: names '<x>', which special_tokens lacks");
        yield return Case("TemplateUnknownId", j => j["post_processor"]!["special_tokens"]!["<s>"]!["ids"] = new JsonArray(99999), "post_processor: adds id 99999, which is no token of the file");
        yield return Case("BadRegex", j => j["pre_tokenizer"] = JsonNode.Parse("""{"type":"Split","pattern":{"Regex":"(unclosed"},"behavior":"Isolated"}"""), "pre_tokenizer.pattern.Regex: pattern is not supported by .NET's regular expressions");
        yield return Case("PossessiveRegex", j => j["pre_tokenizer"] = JsonNode.Parse("""{"type":"Split","pattern":{"Regex":"\\p{L}++"},"behavior":"Isolated"}"""), "pattern is not supported by .NET's regular expressions");
        yield return Case("BadBehavior", j => j["pre_tokenizer"] = JsonNode.Parse("""{"type":"Split","pattern":{"String":" "},"behavior":"Sideways"}"""), "pre_tokenizer.behavior: must be one of Removed, Isolated");
        yield return Case("EmptyPattern", j => j["normalizer"] = JsonNode.Parse("""{"type":"Replace","pattern":{"String":""},"content":"x"}"""), "normalizer.pattern.String: must not be empty");
        yield return Case("TwoPatterns", j => j["normalizer"] = JsonNode.Parse("""{"type":"Replace","pattern":{"String":"a","Regex":"b"},"content":"x"}"""), "normalizer.pattern: must have exactly one of 'String' and 'Regex'");
        yield return Case("NotAnObject", j => j["decoder"] = "ByteLevel", "tokenizer.json: decoder: must be a JSON object");
    }

    [TestCaseSource(nameof(JsonCases))]
    public void BadTokenizerJson(Action<JsonObject> change, string message)
    {
        var json = SentencePieceStyle(["▁", "h", "▁h", "▁▁"], [("▁", "h"), ("▁", "▁")]);
        change(json);
        using var folder = new TempFolder();
        var e = Assert.Throws<InvalidDataException>(() => Tokenizers.Load(Write(folder, json)));
        Assert.That(e!.Message, Does.StartWith(folder.File("tokenizer.json")).And.Contain(message));
    }

    [Test]
    public void NotJson()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("tokenizer.json"), "{\"model\": ");
        var e = Assert.Throws<InvalidDataException>(() => Tokenizers.Load(folder.Path));
        Assert.That(e!.Message, Does.Contain("tokenizer.json: not valid JSON"));
    }

    [Test]
    public void CatastrophicBacktrackingIsAnErrorNotAHang()
    {
        var json = ByteLevelBpe([], preTokenizer: JsonNode.Parse("""{"type":"Split","pattern":{"Regex":"(a+)+$"},"behavior":"Isolated"}"""));
        using var folder = new TempFolder();
        var t = Tokenizers.Load(Write(folder, json));
        var e = NoHang.Run(() => Assert.Throws<InvalidDataException>(() => t.Encode(new string('a', 40) + "!")), seconds: 30);
        Assert.That(e!.Message, Does.Contain("tokenizer.json: pre_tokenizer.pattern.Regex: the pattern took more than 5 s"));
    }

    /// <summary>A change to a valid SentencePiece model, and what the message must say.</summary>
    public static IEnumerable<TestCaseData> ModelCases()
    {
        var pieces = SentencePieceModelWriter.LlamaPieces(("▁", -1), ("a", -1));
        TestCaseData Case(string name, byte[] model, string message) => new TestCaseData(model, message).SetName($"Model_{name}");

        yield return Case("Unigram", SentencePieceModelWriter.Write(pieces, new(ModelType: 1)), "trainer_spec.model_type: UNIGRAM models are not supported (only BPE)");
        yield return Case("Charsmap", SentencePieceModelWriter.Write(pieces, new(Charsmap: [1, 2, 3])), "normalization rules (a precompiled_charsmap, as nmt_nfkc) are not supported");
        yield return Case("UserDefined", SentencePieceModelWriter.Write([.. pieces, new("<tool>", 0, 4)]), "pieces[261]: user-defined pieces ('<tool>') are not supported");
        yield return Case("RepeatedPiece", SentencePieceModelWriter.Write([.. pieces, new("a", 0)]), "pieces[261]: 'a' repeats pieces[260]");
        yield return Case("EmptyPiece", SentencePieceModelWriter.Write([.. pieces, new("", 0)]), "pieces[261]: is empty");
        yield return Case("NaNScore", SentencePieceModelWriter.Write([.. pieces, new("aa", float.NaN)]), "pieces[261]: the score NaN is not finite");
        yield return Case("BadBytePiece", SentencePieceModelWriter.Write([.. pieces, new("<0xzz>", 0, 6)]), "the byte piece '<0xzz>' is not of the form <0xXX>");
        yield return Case("UnkNotUnknown", SentencePieceModelWriter.Write(pieces, new(UnkId: 1)), "trainer_spec.unk_id: piece 1 '<s>' is of type 3, not a piece of type 2");
        yield return Case("BosOutOfRange", SentencePieceModelWriter.Write(pieces, new(BosId: 5000)), "trainer_spec.bos_id: 5000 is not a piece");
        yield return Case("NoPieces", SentencePieceModelWriter.Write([]), "holds 0 pieces");
        yield return Case("Garbage", [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], "not a SentencePiece model (protobuf)");
        yield return Case("Truncated", SentencePieceModelWriter.Write(pieces)[..100], "not a SentencePiece model (protobuf)");
        yield return Case("InvalidUtf8", [0x0A, 0x04, 0x0A, 0x02, 0xC3, 0x28], "not a SentencePiece model (protobuf)");
    }

    [TestCaseSource(nameof(ModelCases))]
    public void BadTokenizerModel(byte[] model, string message)
    {
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("tokenizer.model"), model);
        var e = Assert.Throws<InvalidDataException>(() => Tokenizers.Load(folder.Path));
        Assert.That(e!.Message, Does.StartWith(folder.File("tokenizer.model")).And.Contain(message));
    }

    [Test]
    public void MissingFolderAndFiles()
    {
        using var folder = new TempFolder();
        Assert.Throws<DirectoryNotFoundException>(() => Tokenizers.Load(folder.File("nope")));
        var e = Assert.Throws<FileNotFoundException>(() => Tokenizers.Load(folder.Path));
        Assert.That(e!.Message, Does.Contain("holds neither tokenizer.json nor tokenizer.model"));
        File.WriteAllText(folder.File("x"), "");
        Assert.Throws<IOException>(() => Tokenizers.Load(folder.File("x")));
    }

    [TestCase("tokenizer.json")]
    [TestCase("tokenizer.model")]
    [TestCase("tokenizer_config.json")]
    public void AFifoIsAnErrorNotAHang(string name)
    {
        using var folder = new TempFolder();
        if (name == "tokenizer_config.json")
        {
            Write(folder, ByteLevelBpe([]));
        }
        SpecialFiles.Fifo(folder.File(name));
        var e = NoHang.Run(() => Assert.Throws<IOException>(() => Tokenizers.Load(folder.Path)));
        Assert.That(e!.Message, Does.Contain(name).And.Contain("not a regular file"));
    }
}
