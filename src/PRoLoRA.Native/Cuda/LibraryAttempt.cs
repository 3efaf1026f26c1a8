namespace PRoLoRA.Native.Cuda;

/// <summary>One place discovery looked for a CUDA library.</summary>
/// <param name="Path">A full path, or a bare file name handed to the system loader.</param>
/// <param name="Error">Why it did not load; null when this is the one that loaded.</param>
internal readonly record struct LibraryAttempt(string Path, string? Error)
{
    /// <summary>True for the attempt that loaded the library.</summary>
    public bool Loaded => Error is null;
}
