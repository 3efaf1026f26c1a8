namespace PRoLoRA.Cli.Training;

/// <summary>
/// A batch of next-character examples: row i's context is
/// <c>Contexts[i·C .. (i+1)·C)</c> (C = the context length) and its next character is <c>Targets[i]</c>.
/// </summary>
/// <param name="Contexts">Character ids, batch × context length, row-major.</param>
/// <param name="Targets">The id that follows each context.</param>
public sealed record CharBatch(int[] Contexts, int[] Targets)
{
    /// <summary>Number of examples.</summary>
    public int Size => Targets.Length;
}
