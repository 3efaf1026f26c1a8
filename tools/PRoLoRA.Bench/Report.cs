namespace PRoLoRA.Bench;

/// <summary>
/// Everything one run measured: the machine, one <see cref="Measurement"/> per line, the ratios
/// (ours / the other's median time: below 1 means ours is faster) and notes on what was skipped.
/// </summary>
public sealed class Report(Machine machine, string device, BenchScale scale)
{
    /// <summary>The ratios every report names, null when the run did not measure them (a note says why).</summary>
    public static readonly IReadOnlyList<string> RequiredRatios =
        ["prolora_vs_lora_same_rank", "prolora_vs_lora_same_budget", "gemm_vs_best_blas", "gemm_vs_openblas", "adapter_vs_pytorch", "layer_vs_pytorch",
            "model_train_vs_pytorch", "model_layer_vs_pytorch"];

    private readonly List<Measurement> _results = [];
    private readonly Dictionary<string, double?> _ratios = RequiredRatios.ToDictionary(r => r, _ => (double?)null);
    private readonly List<string> _notes = [];
    private readonly List<MemoryMeasurement> _memory = [];

    /// <summary>The machine.</summary>
    public Machine Machine { get; } = machine;

    /// <summary>The device the benchmark ran on.</summary>
    public string Device { get; } = device;

    /// <summary>The sizes used.</summary>
    public BenchScale Scale { get; } = scale;

    /// <summary>The measurements, in the order they were taken.</summary>
    public IReadOnlyList<Measurement> Results => _results;

    /// <summary>The memory measurements, in the order they were taken.</summary>
    public IReadOnlyList<MemoryMeasurement> Memory => _memory;

    /// <summary>Ratio name → value (null: not measured in this run).</summary>
    public IReadOnlyDictionary<string, double?> Ratios => _ratios;

    /// <summary>What was skipped, and why.</summary>
    public IReadOnlyList<string> Notes => _notes;

    /// <summary>Adds a measurement.</summary>
    public void Add(Measurement measurement) => _results.Add(measurement);

    /// <summary>Adds a memory measurement.</summary>
    public void Add(MemoryMeasurement measurement) => _memory.Add(measurement);

    /// <summary>Sets a ratio.</summary>
    public void SetRatio(string name, double value) => _ratios[name] = value;

    /// <summary>Sets <paramref name="name"/> to the median of <paramref name="values"/> (nothing when empty).</summary>
    public void SetMedianRatio(string name, IReadOnlyList<double> values)
    {
        if (values.Count > 0)
        {
            SetRatio(name, Stats.Of(values).MedianMs);
        }
    }

    /// <summary>Adds a note (a skipped group, a missing library).</summary>
    public void Note(string note) => _notes.Add(note);
}
