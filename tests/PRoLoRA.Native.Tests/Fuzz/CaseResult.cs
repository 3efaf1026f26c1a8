
namespace PRoLoRA.Native.Tests.Fuzz;

/// <summary>One run of the CLI: the command line, the exit code and what it wrote to stderr.</summary>
internal sealed record CliRun(string Command, int Code, string Stderr);

/// <summary>What one case did: the contract violations it found (none: it passed) and how far it got (for the summary).</summary>
internal sealed class CaseResult
{
    /// <summary>Each violation in full: what broke, then the details (message, stack).</summary>
    public List<string> Violations { get; } = [];

    /// <summary>What broke, without the details (paths, messages), one per violation: the same bug hit by many cases is reported once.</summary>
    public List<string> Signatures { get; } = [];

    public HashSet<string> Reached { get; } = new(StringComparer.Ordinal);

    /// <summary>True when the case did not finish within its time (the worker is still running it).</summary>
    public bool Hung { get; set; }

    public void Violation(string signature, string details)
    {
        Signatures.Add(signature);
        Violations.Add($"{signature}: {details}");
    }

    public void Reach(string stage) => Reached.Add(stage);
}
