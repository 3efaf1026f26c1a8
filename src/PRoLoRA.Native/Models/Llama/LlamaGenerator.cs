using PRoLoRA.Native.Autograd;

namespace PRoLoRA.Native.Models.Llama;

/// <summary>How <see cref="LlamaGenerator"/> picks each next token.</summary>
/// <param name="MaxNewTokens">The most tokens to add.</param>
/// <param name="Temperature">0: greedy (the most likely token); above 0, sampling from softmax(logits / temperature).</param>
/// <param name="TopP">Nucleus sampling: only the most likely tokens whose probabilities add up to at least this (1: all).</param>
/// <param name="Seed">Seed of the sampling.</param>
public sealed record GenerationOptions(int MaxNewTokens = 64, float Temperature = 0f, float TopP = 1f, int Seed = 0)
{
    /// <summary>Throws an <see cref="ArgumentException"/> naming the first bad field.</summary>
    public GenerationOptions Validate()
    {
        if (MaxNewTokens <= 0)
        {
            throw new ArgumentException($"max new tokens must be > 0, got {MaxNewTokens}", nameof(MaxNewTokens));
        }
        if (!(Temperature >= 0f) || !float.IsFinite(Temperature))
        {
            throw new ArgumentException($"temperature must be >= 0 and finite, got {Temperature}", nameof(Temperature));
        }
        if (!(TopP > 0f && TopP <= 1f))
        {
            throw new ArgumentException($"top-p must be in (0, 1], got {TopP}", nameof(TopP));
        }
        return this;
    }
}

/// <summary>
/// Continues a prompt with a <see cref="LlamaModel"/>: the prompt's keys and values are cached in one
/// forward pass, then each new token costs one token's pass (<see cref="LlamaCache"/>). Stops at an
/// end-of-sequence id or after the options' count.
/// </summary>
public static class LlamaGenerator
{
    /// <summary>The ids that follow <paramref name="prompt"/> (not including it), ending before the first of <paramref name="stopIds"/>.</summary>
    public static int[] Continue(LlamaModel model, int[] prompt, GenerationOptions options, IReadOnlyCollection<int> stopIds)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(stopIds);
        options.Validate();
        if (prompt.Length == 0)
        {
            throw new ArgumentException("the prompt has no token", nameof(prompt));
        }
        int vocabulary = model.Config.VocabularySize;
        using var cache = new LlamaCache(model.Config, model.Backend, prompt.Length + options.MaxNewTokens);
        var rng = new Random(options.Seed);
        var generated = new List<int>();
        int[] next = prompt;
        for (int i = 0; i < options.MaxNewTokens; i++)
        {
            float[] logits;
            using (var tape = new Tape(model.Backend))
            using (tape.NoGrad())
            {
                var all = model.Forward(tape, next, 1, next.Length, cache);
                logits = all.Value.ToArray().AsSpan((next.Length - 1) * vocabulary, vocabulary).ToArray();
            }
            int token = Pick(logits, options, rng);
            if (stopIds.Contains(token))
            {
                break;
            }
            generated.Add(token);
            next = [token];
        }
        return [.. generated];
    }

    /// <summary>The next token: the arg-max at temperature 0, else a draw from the tempered, top-p-cut distribution.</summary>
    internal static int Pick(float[] logits, GenerationOptions options, Random rng)
    {
        if (options.Temperature == 0f)
        {
            int best = 0;
            for (int i = 1; i < logits.Length; i++)
            {
                best = logits[i] > logits[best] ? i : best;
            }
            return best;
        }
        double max = logits.Max();
        var p = logits.Select(l => Math.Exp((l - max) / options.Temperature)).ToArray();
        double sum = p.Sum();
        var order = Enumerable.Range(0, p.Length).OrderByDescending(i => p[i]).ToArray();
        var kept = new List<int>();
        double mass = 0;
        foreach (int i in order)
        {
            kept.Add(i);
            mass += p[i] / sum;
            if (mass >= options.TopP)
            {
                break;
            }
        }
        double draw = rng.NextDouble() * kept.Sum(i => p[i]);
        foreach (int i in kept)
        {
            draw -= p[i];
            if (draw <= 0)
            {
                return i;
            }
        }
        return kept[^1];
    }
}
