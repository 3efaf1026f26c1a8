namespace PRoLoRA.Native.Cuda;

/// <summary>One place discovery looked for a CUDA library.</summary>
/// <param name="Path">A full path, or a bare file name handed to the system loader.</param>
/// <param name="Error">Why it did not load (or why it was skipped); null when this is the one that loaded.</param>
/// <param name="Skipped">True when it was not tried: a library the driver cannot serve (<see cref="LibraryCompatibility"/>).</param>
internal readonly record struct LibraryAttempt(string Path, string? Error, bool Skipped = false)
{
    /// <summary>True for the attempt that loaded the library.</summary>
    public bool Loaded => Error is null;

    /// <summary>One line for `prolora doctor`: "tried PATH: loaded", "tried PATH: ERROR" or "skipped PATH: REASON".</summary>
    public override string ToString() => $"{(Skipped ? "skipped" : "tried")} {Path}: {Error ?? "loaded"}";
}
