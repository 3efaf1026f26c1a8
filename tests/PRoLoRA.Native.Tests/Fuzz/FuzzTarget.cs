
namespace PRoLoRA.Native.Tests.Fuzz;

/// <summary>
/// A family of entry points the fuzzer drives: how to make a mutated input from the seeds, and
/// how to run one input through the readers (and, for adapter folders, the writers fed with what
/// they loaded), checking the contract (<see cref="FuzzContract"/>); with <c>cli</c>, the same
/// input also goes through <see cref="PRoLoRA.Cli.Cli.Run"/>.
/// </summary>
internal abstract class FuzzTarget
{
    /// <summary>Every target, by the name its fixtures are kept under (Fuzz/Regressions/NAME/).</summary>
    public static IReadOnlyList<FuzzTarget> All { get; } = [new SafetensorsTarget(), new AdapterFolderTarget(), new GoldenTarget(), new LlamaCheckpointTarget(), new TokenizerTarget()];

    public abstract string Name { get; }

    /// <summary>The names of the input's files (a fixture folder holds these).</summary>
    public abstract IReadOnlyList<string> FileNames { get; }

    public static FuzzTarget ByName(string name) => All.Single(t => t.Name == name);

    /// <summary>A mutated input, drawn from <paramref name="m"/>.</summary>
    public abstract FuzzInput Mutate(Mutator m);

    /// <summary>Runs <paramref name="input"/> in the empty folder <paramref name="dir"/>, recording violations in <paramref name="result"/>.</summary>
    public abstract void Run(FuzzInput input, string dir, CaseResult result, bool cli);

    protected static SafetensorsMutator LayoutMutator(Mutator m) => new(m, new JsonMutator(m));
}
