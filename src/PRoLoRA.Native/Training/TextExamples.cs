using System.Text;
using PRoLoRA.Native.IO.Input;
using PRoLoRA.Native.Text;

namespace PRoLoRA.Native.Training;

/// <summary>One tokenized training example: its ids, of which the first <paramref name="PromptLength"/> are prompt (no loss on them).</summary>
/// <param name="Ids">Token ids, BOS first when the tokenizer adds one.</param>
/// <param name="PromptLength">How many leading ids are prompt: the loss counts only the rest.</param>
public sealed record TokenizedExample(int[] Ids, int PromptLength);

/// <summary>
/// Training and evaluation text in JSON Lines: each line an object, either <c>{"text": ...}</c>
/// (loss on every token) or <c>{"prompt": ..., "completion": ...}</c> (loss on the completion
/// only, as the paper's instruction tuning does). Read as untrusted input: a bad line is an
/// <see cref="InvalidDataException"/> naming the file, the line and the field.
/// </summary>
public static class TextExamples
{
    /// <summary>The most a data file may hold.</summary>
    public const long MaxBytes = 1L << 30;

    /// <summary>The examples of <paramref name="path"/>, tokenized by <paramref name="tokenizer"/>; EOS ends each completion or text.</summary>
    public static IReadOnlyList<TokenizedExample> Load(string path, ITokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var bytes = InputFile.ReadAllBytes(path, MaxBytes);
        var examples = new List<TokenizedExample>();
        int line = 0;
        int start = 0;
        for (int i = 0; i <= bytes.Length; i++)
        {
            if (i < bytes.Length && bytes[i] != (byte)'\n')
            {
                continue;
            }
            line++;
            var text = bytes.AsMemory(start, i - start);
            start = i + 1;
            if (Encoding.UTF8.GetString(text.Span).Trim().Length == 0)
            {
                continue;
            }
            examples.Add(Example(JsonInput.Parse($"{path}:{line}", text).Object(), tokenizer));
        }
        if (examples.Count == 0)
        {
            throw new InvalidDataException($"{path}: holds no example (one JSON object per line: {{\"text\"}} or {{\"prompt\", \"completion\"}})");
        }
        return examples;
    }

    /// <summary>One record's ids: BOS (when the tokenizer adds one), the prompt, the completion or text, EOS.</summary>
    internal static TokenizedExample Example(JsonField record, ITokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var eos = tokenizer.EosId is { } e ? new[] { e } : [];
        if (record.Optional("text") is { } text)
        {
            if (record.Optional("prompt") is not null || record.Optional("completion") is not null)
            {
                throw record.Error("has \"text\" and \"prompt\"/\"completion\": give one or the other");
            }
            return new TokenizedExample([.. tokenizer.Encode(text.String()), .. eos], 0);
        }
        var example = Of(record["prompt"].String(), record["completion"].String(), tokenizer);
        if (example.Ids.Length - example.PromptLength - eos.Length == 0)
        {
            throw record["completion"].Error("is empty: there would be nothing to learn");
        }
        return example;
    }

    /// <summary>
    /// A prompt and its completion as one example: BOS (when the tokenizer adds one), the prompt, the
    /// completion, EOS; the loss counts the completion and EOS.
    /// </summary>
    public static TokenizedExample Of(string prompt, string completion, ITokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(completion);
        ArgumentNullException.ThrowIfNull(tokenizer);
        var eos = tokenizer.EosId is { } e ? new[] { e } : [];
        var promptIds = tokenizer.Encode(prompt);
        return new TokenizedExample([.. promptIds, .. tokenizer.Encode(completion, addSpecialTokens: false), .. eos], promptIds.Length);
    }
}
