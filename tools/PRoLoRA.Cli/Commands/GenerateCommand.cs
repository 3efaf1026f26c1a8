using System.CommandLine;
using System.Globalization;
using PRoLoRA.Native.Models.Llama;

namespace PRoLoRA.Cli.Commands;

/// <summary>
/// `prolora generate`: continues a prompt with a LLaMA checkpoint (with an adapter) and prints the
/// continuation's text. The prompt is tokenized with the model's tokenizer (BOS where it adds one);
/// decoding keeps a KV cache, is greedy at temperature 0 and stops at any of the tokenizer's EOS ids.
/// </summary>
public static class GenerateCommand
{
    /// <summary>New tokens when --max-new-tokens is not given (fewer where max_position_embeddings leaves less room).</summary>
    public const int DefaultMaxNewTokens = 64;

    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var model = new ModelArguments();
        var prompt = new Option<string>("--prompt") { Description = "the text to continue", Required = true };
        var maxNew = new Option<int?>("--max-new-tokens") { Description = $"most tokens to add (default {DefaultMaxNewTokens}, or what max_position_embeddings leaves after the prompt)" };
        var temperature = new Option<float>("--temperature") { Description = "0: greedy; above 0, sample from softmax(logits / T)", DefaultValueFactory = _ => 0f };
        var topP = new Option<float>("--top-p") { Description = "sample only from the most likely tokens whose probabilities add up to P, in (0, 1]", DefaultValueFactory = _ => 1f };
        var seed = new Option<int>("--seed") { Description = "seed of the sampling", DefaultValueFactory = _ => 0 };
        var cmd = new Command("generate", "continue a prompt with a LLaMA checkpoint (with an adapter) and print the text")
        {
            prompt, maxNew, temperature, topP, seed,
        };
        model.AddTo(cmd);
        cmd.SetAction(p =>
        {
            float t = p.GetValue(temperature);
            float top = p.GetValue(topP);
            int? requested = p.GetValue(maxNew);
            if (!(t >= 0f) || !float.IsFinite(t))
            {
                throw new ArgumentException($"--temperature must be >= 0 and finite, got {t.ToString(CultureInfo.InvariantCulture)}");
            }
            if (!(top > 0f && top <= 1f))
            {
                throw new ArgumentException($"--top-p must be in (0, 1], got {top.ToString(CultureInfo.InvariantCulture)}");
            }
            if (requested <= 0)
            {
                throw new ArgumentException($"--max-new-tokens must be > 0, got {requested}");
            }
            var config = model.Config(p);
            var tokenizer = model.Tokenizer(p, "generate");
            var ids = tokenizer.Encode(p.GetValue(prompt)!);
            if (ids.Length == 0)
            {
                throw new ArgumentException("--prompt gives no token (it is empty and the tokenizer adds no BOS)");
            }
            if (ids.FirstOrDefault(id => (uint)id >= (uint)config.VocabularySize, -1) is >= 0 and var bad)
            {
                throw new InvalidDataException($"--prompt has token id {bad}, outside the model's vocabulary (vocab_size {config.VocabularySize}): the tokenizer does not fit the model");
            }
            int room = config.MaxPositions - ids.Length;
            if (room <= 0)
            {
                throw new ArgumentException($"--prompt is {ids.Length} tokens, which leaves no room under the model's max_position_embeddings ({config.MaxPositions})");
            }
            if (requested > room)
            {
                throw new ArgumentException($"--max-new-tokens {requested} is too many: the prompt's {ids.Length} tokens and the new ones must fit the model's max_position_embeddings ({config.MaxPositions}); at most {room}");
            }
            var options = new GenerationOptions(requested ?? Math.Min(DefaultMaxNewTokens, room), t, top, p.GetValue(seed));
            using var loaded = model.Load(p);
            var generated = LlamaGenerator.Continue(loaded.Model, ids, options, [.. tokenizer.EosIds]);
            if (generated.FirstOrDefault(id => id >= tokenizer.VocabularySize, -1) is >= 0 and var unknown)
            {
                throw new InvalidDataException($"the model generated token id {unknown}, which the tokenizer of --model {p.GetValue(model.Model)} does not have (it has {tokenizer.VocabularySize}): the tokenizer does not fit the model");
            }
            p.InvocationConfiguration.Output.WriteLine(tokenizer.Decode(generated));
            return 0;
        });
        return cmd;
    }
}
