namespace PRoLoRA.Cli.Demo;

/// <summary>Makes sure an output folder exists and is writable before any long work starts.</summary>
public static class OutputFolder
{
    /// <summary>Creates <paramref name="path"/> if needed and proves it writable; returns its full path or throws an <see cref="IOException"/> that says why not.</summary>
    public static string Prepare(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        try
        {
            Directory.CreateDirectory(full);
            var probe = Path.Combine(full, $".prolora-write-test-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot write to the output folder {full}: {e.Message}", e);
        }
        return full;
    }
}
