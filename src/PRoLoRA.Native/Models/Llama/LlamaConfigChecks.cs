namespace PRoLoRA.Native.Models.Llama;

/// <summary>
/// The checks a <see cref="LlamaConfig"/> built in code (not read from config.json, which
/// <see cref="LlamaConfig.Load"/> checks) must pass before a model is made of it.
/// </summary>
internal static class LlamaConfigChecks
{
    /// <summary>Throws an <see cref="ArgumentException"/> on <paramref name="paramName"/> naming the first bad field.</summary>
    public static void Require(LlamaConfig config, string paramName)
    {
        ArgumentNullException.ThrowIfNull(config, paramName);
        (string Field, int Value)[] sizes =
        [
            (nameof(config.HiddenSize), config.HiddenSize),
            (nameof(config.IntermediateSize), config.IntermediateSize),
            (nameof(config.Layers), config.Layers),
            (nameof(config.Heads), config.Heads),
            (nameof(config.KvHeads), config.KvHeads),
            (nameof(config.HeadDim), config.HeadDim),
            (nameof(config.VocabularySize), config.VocabularySize),
            (nameof(config.MaxPositions), config.MaxPositions),
        ];
        foreach (var (field, value) in sizes.Where(s => s.Value <= 0))
        {
            throw new ArgumentException($"{field} is {value}: it must be > 0", paramName);
        }
        if (config.Heads % config.KvHeads != 0)
        {
            throw new ArgumentException($"{nameof(config.KvHeads)} is {config.KvHeads}, which does not divide {nameof(config.Heads)} = {config.Heads}", paramName);
        }
        if (config.HeadDim % 2 != 0)
        {
            throw new ArgumentException($"{nameof(config.HeadDim)} is {config.HeadDim}: rotary embeddings need an even head width", paramName);
        }
        (string Field, float Value)[] positives = [(nameof(config.RmsNormEps), config.RmsNormEps), (nameof(config.RopeTheta), config.RopeTheta), (nameof(config.RopeScale), config.RopeScale)];
        foreach (var (field, value) in positives.Where(p => !(p.Value > 0f) || !float.IsFinite(p.Value)))
        {
            throw new ArgumentException($"{field} is {value}: it must be > 0 and finite", paramName);
        }
        foreach (var (field, id) in new[] { (nameof(config.BosTokenId), config.BosTokenId), (nameof(config.EosTokenId), config.EosTokenId) })
        {
            if (id is { } value && (value < 0 || value >= config.VocabularySize))
            {
                throw new ArgumentException($"{field} is {value}: it must be a token id in [0, {config.VocabularySize})", paramName);
            }
        }
    }
}
