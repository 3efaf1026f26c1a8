namespace PRoLoRA.Cli.Training;

/// <summary>
/// A text as character ids, read as windows: every position i gives the example
/// (ids[i .. i+C), ids[i+C]) for context length C.
/// </summary>
public sealed class CharDataset
{
    private readonly int[] _ids;

    /// <summary>Windows of <paramref name="contextLength"/> over <paramref name="ids"/>, which must be longer than one window.</summary>
    public CharDataset(int[] ids, int contextLength)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentOutOfRangeException.ThrowIfLessThan(contextLength, 1);
        if (ids.Length <= contextLength)
        {
            throw new ArgumentException($"a text of {ids.Length} characters has no window of {contextLength} characters and a next one", nameof(ids));
        }
        _ids = ids;
        ContextLength = contextLength;
    }

    /// <summary>Characters of context per example.</summary>
    public int ContextLength { get; }

    /// <summary>Number of examples (windows).</summary>
    public int Count => _ids.Length - ContextLength;

    /// <summary>
    /// Splits <paramref name="ids"/> into a training head and a validation tail holding
    /// <paramref name="validationFraction"/> of the characters; both must hold at least one window.
    /// </summary>
    public static (CharDataset Train, CharDataset Validation) Split(int[] ids, int contextLength, double validationFraction)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (!(validationFraction > 0 && validationFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(validationFraction), $"validation fraction must be in (0, 1), got {validationFraction}");
        }
        int cut = ids.Length - (int)(ids.Length * validationFraction);
        return (new CharDataset(ids[..cut], contextLength), new CharDataset(ids[cut..], contextLength));
    }

    /// <summary><paramref name="size"/> examples at uniformly random positions drawn from <paramref name="rng"/>.</summary>
    public CharBatch Sample(Random rng, int size)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var starts = new int[size];
        for (int i = 0; i < size; i++)
        {
            starts[i] = rng.Next(Count);
        }
        return Gather(starts);
    }

    /// <summary>
    /// Up to <paramref name="batches"/> batches of <paramref name="size"/> examples at evenly spaced
    /// positions over the whole text: the same every time, for evaluation.
    /// </summary>
    public IEnumerable<CharBatch> Evenly(int size, int batches)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batches, 1);
        long total = Math.Min((long)size * batches, Count);
        for (long first = 0; first < total; first += size)
        {
            var starts = new int[Math.Min(size, total - first)];
            for (int i = 0; i < starts.Length; i++)
            {
                starts[i] = (int)((first + i) * Count / total);
            }
            yield return Gather(starts);
        }
    }

    private CharBatch Gather(int[] starts)
    {
        var contexts = new int[starts.Length * ContextLength];
        var targets = new int[starts.Length];
        for (int i = 0; i < starts.Length; i++)
        {
            _ids.AsSpan(starts[i], ContextLength).CopyTo(contexts.AsSpan(i * ContextLength));
            targets[i] = _ids[starts[i] + ContextLength];
        }
        return new CharBatch(contexts, targets);
    }
}
