using System.Runtime.InteropServices;

namespace PRoLoRA.Native.Cuda;

/// <summary>
/// The outcome of looking for one CUDA library: every path tried, newest version first, and the
/// one that loaded; candidates that <c>skip</c> refuses (too new for the driver) are recorded with the
/// reason and never loaded. Loading happens once per process, on first use.
/// </summary>
internal sealed class LibraryProbe
{
    private readonly List<LibraryAttempt> _attempts = [];

    internal LibraryProbe(string label, string installHint, IEnumerable<LibrarySearch.Candidate> candidates, Func<string, string?>? skip = null)
    {
        Label = label;
        InstallHint = installHint;
        foreach (var candidate in candidates)
        {
            if (candidate.IsPath && !File.Exists(candidate.Path))
            {
                _attempts.Add(new LibraryAttempt(candidate.Path, "no such file"));
                continue;
            }
            if (skip?.Invoke(candidate.Path) is string reason)
            {
                _attempts.Add(new LibraryAttempt(candidate.Path, reason, Skipped: true));
                continue;
            }
            foreach (var prerequisite in candidate.Prerequisites)
            {
                NativeLibrary.TryLoad(prerequisite, out _);
            }
            try
            {
                Handle = NativeLibrary.Load(candidate.Path);
                FoundPath = candidate.Path;
                _attempts.Add(new LibraryAttempt(candidate.Path, null));
                return;
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
            {
                _attempts.Add(new LibraryAttempt(candidate.Path, LoaderError(e.Message)));
            }
        }
    }

    /// <summary>What the library is, for example "CUDA driver (libcuda)".</summary>
    public string Label { get; }

    /// <summary>What to install when it is missing.</summary>
    public string InstallHint { get; }

    /// <summary>Every path tried, in order.</summary>
    public IReadOnlyList<LibraryAttempt> Attempts => _attempts;

    /// <summary>The path (or name) that loaded, or null.</summary>
    public string? FoundPath { get; }

    /// <summary>True when the library loaded.</summary>
    public bool Found => FoundPath is not null;

    /// <summary>The loaded library's OS handle (zero when not found).</summary>
    internal IntPtr Handle { get; }

    /// <summary>A one-line reason for a missing library: what was tried (and skipped, and why) and what to install.</summary>
    public string MissingReason
    {
        get
        {
            var skipped = _attempts.Where(a => a.Skipped).ToList();
            string why = skipped.Count == 0 ? "" : $"; skipped {string.Join(", ", skipped.Select(a => Path.GetFileName(a.Path)).Distinct())}: {skipped[0].Error}";
            return $"{Label} not found (tried {_attempts.Count} places: {string.Join(", ", _attempts.Take(4).Select(a => a.Path))}{(_attempts.Count > 4 ? ", ..." : "")}{why}); {InstallHint}";
        }
    }

    /// <summary>Throws <see cref="CudaException"/> with <see cref="MissingReason"/> unless the library loaded.</summary>
    internal void EnsureFound()
    {
        if (!Found)
        {
            throw new CudaException(MissingReason);
        }
    }

    /// <summary>The loader's own words (dlerror), which .NET puts on the last line after its generic advice.</summary>
    private static string LoaderError(string message) =>
        message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? message;
}
