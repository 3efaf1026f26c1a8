using System.CommandLine;
using System.Globalization;
using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Training;

namespace PRoLoRA.Cli.Commands;

/// <summary>
/// `prolora eval`: the mean next-token cross-entropy (and perplexity) of a LLaMA checkpoint, bare or
/// with an adapter, over token ids (<c>--tokens</c>: every position predicts the next) or JSONL text
/// (<c>--data</c>: tokenized with the model's tokenizer, the loss on completions only for
/// prompt/completion records). The last line is <c>loss &lt;value&gt;</c>.
/// </summary>
public static class EvalCommand
{
    /// <summary>Sequences a batch by default.</summary>
    public const int DefaultBatchSize = 8;

    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var model = new ModelArguments();
        var data = PathArguments.Option("--data", "JSON Lines of {\"text\"} or {\"prompt\", \"completion\"} records, tokenized with the model's tokenizer", required: false);
        var tokens = PathArguments.Option("--tokens", "{\"input_ids\": [[...], ...]}: rows of equal length (>= 2, no padding)", required: false);
        var logitsOut = PathArguments.Option("--logits-out", "write the tensor logits (batch × seq × vocab, F32; 0 past a --data example's end) to this safetensors file (atomically)", required: false);
        var batchSize = new Option<int>("--batch-size") { Description = "sequences per forward pass", DefaultValueFactory = _ => DefaultBatchSize };
        var maxLength = new Option<int?>("--max-length") { Description = "longest sequence, at most the model's max_position_embeddings (the default): --data examples are cut to it, longer --tokens rows refused" };
        var cmd = new Command("eval", "mean next-token cross-entropy and perplexity of a LLaMA checkpoint (with an adapter) over token ids or JSONL text")
        {
            data, tokens, logitsOut, batchSize, maxLength,
        };
        model.AddTo(cmd);
        cmd.SetAction(p =>
        {
            var dataPath = p.GetValue(data);
            var tokensPath = p.GetValue(tokens);
            var logitsPath = p.GetValue(logitsOut);
            if ((dataPath is null) == (tokensPath is null))
            {
                throw new ArgumentException(dataPath is null ? "give --data FILE.jsonl or --tokens FILE.json" : "give --data or --tokens, not both");
            }
            int batch = p.GetValue(batchSize);
            if (batch <= 0)
            {
                throw new ArgumentException($"--batch-size must be > 0, got {batch}");
            }
            var config = model.Config(p);
            int length = p.GetValue(maxLength) ?? config.MaxPositions;
            if (length < 2 || length > config.MaxPositions)
            {
                throw new ArgumentException($"--max-length must be in [2, {config.MaxPositions}] (the model's max_position_embeddings), got {length}");
            }
            var o = p.InvocationConfiguration.Output;
            return tokensPath is not null
                ? OnTokens(p, model, config, tokensPath, logitsPath, batch, length, o)
                : OnData(p, model, config, dataPath!, logitsPath, batch, length, o);
        });
        return cmd;
    }

    private static int OnTokens(ParseResult p, ModelArguments model, LlamaConfig config, string path, string? logitsPath, int batch, int maxLength, TextWriter o)
    {
        var rows = TokenIdsFile.Load(path, config.VocabularySize, maxLength);
        // PromptLength 0: every token but a row's last predicts the next.
        var examples = rows.Select(r => new TokenizedExample(r, 0)).ToList();
        return Evaluate(p, model, config, path, examples, logitsPath, batch, rows[0].Length, $"{rows.Length} rows of {rows[0].Length} tokens ({path})", o);
    }

    private static int OnData(ParseResult p, ModelArguments model, LlamaConfig config, string path, string? logitsPath, int batch, int maxLength, TextWriter o)
    {
        var tokenizer = model.Tokenizer(p, "--data");
        var examples = TextExamples.Load(path, tokenizer);
        for (int i = 0; i < examples.Count; i++)
        {
            if (examples[i].Ids.FirstOrDefault(id => (uint)id >= (uint)config.VocabularySize, -1) is >= 0 and var bad)
            {
                throw new InvalidDataException($"{path}: example {i + 1} has token id {bad}, outside the model's vocabulary (vocab_size {config.VocabularySize}): the tokenizer does not fit the model");
            }
        }
        int cut = examples.Count(e => e.Ids.Length > maxLength);
        return Evaluate(p, model, config, path, examples, logitsPath, batch, maxLength, $"{examples.Count} examples ({path}){(cut > 0 ? $", {cut} cut to --max-length {maxLength}" : "")}", o);
    }

    /// <summary>Loads the model, evaluates <paramref name="examples"/> (cut to <paramref name="maxLength"/>), prints the summary and the loss, and saves the logits when asked.</summary>
    private static int Evaluate(ParseResult p, ModelArguments model, LlamaConfig config, string path, IReadOnlyList<TokenizedExample> examples, string? logitsPath, int batch, int maxLength, string description, TextWriter o)
    {
        int v = config.VocabularySize;
        int length = Math.Min(maxLength, examples.Max(e => e.Ids.Length));
        long count = (long)examples.Count * length * v;
        if (logitsPath is not null)
        {
            LogitsOutput.Check(logitsPath, [.. model.InputFiles(p), path], count);
        }
        using var loaded = model.Load(p);
        var logits = logitsPath is null ? null : new float[count];
        int row = 0;
        var (loss, counted) = CausalLmLoss.Evaluate(loaded.Model, examples, batch, maxLength, logits is null ? null : (b, values) =>
        {
            // Each example's own positions; a shorter one's padding stays 0.
            for (int i = 0; i < b.Batch; i++, row++)
            {
                int real = Math.Min(b.Length, examples[row].Ids.Length);
                values.AsSpan(i * b.Length * v, real * v).CopyTo(logits.AsSpan(row * length * v));
            }
        });
        if (counted == 0)
        {
            throw new InvalidDataException($"{path}: no token to count: every example's completion is cut off by --max-length {maxLength}");
        }
        var adapter = p.GetValue(model.Adapter);
        o.WriteLine($"model: {p.GetValue(model.Model)}{(adapter is null ? "" : $" with adapter {adapter} ({loaded.AdaptedModules} modules)")}");
        o.WriteLine($"device: {loaded.Backend.Name}");
        o.WriteLine($"examples: {description}");
        o.WriteLine($"tokens counted: {counted}");
        if (logitsPath is not null)
        {
            LogitsOutput.Save(logitsPath, logits!, examples.Count, length, v);
            o.WriteLine($"wrote {LogitsOutput.TensorName} [{examples.Count}, {length}, {v}] to {logitsPath}");
        }
        o.WriteLine($"perplexity {Math.Exp(loss).ToString("G8", CultureInfo.InvariantCulture)}");
        o.WriteLine($"loss {loss.ToString("R", CultureInfo.InvariantCulture)}");
        return 0;
    }
}
