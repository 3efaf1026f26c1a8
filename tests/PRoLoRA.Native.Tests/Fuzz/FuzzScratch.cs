
namespace PRoLoRA.Native.Tests.Fuzz;

/// <summary>
/// A scratch folder for cases, deleted with everything in it on dispose: under /dev/shm where there
/// is one (the saves under test fsync every file and folder; on tmpfs that is free, on a disk it
/// would take most of a case's time), else under the system temp folder.
/// </summary>
internal sealed class FuzzScratch : IDisposable
{
    public FuzzScratch()
    {
        foreach (var root in new[] { "/dev/shm", System.IO.Path.GetTempPath() })
        {
            var path = System.IO.Path.Combine(root, $"prolora-fuzz-{Guid.NewGuid():N}");
            try
            {
                if (Directory.Exists(root))
                {
                    Directory.CreateDirectory(path);
                    Path = path;
                    return;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Not writable: try the next.
            }
        }
        Path = Directory.CreateTempSubdirectory("prolora-fuzz-").FullName;
    }

    public string Path { get; } = "";

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A hung case may still be writing there; the folder is left to the system.
        }
    }
}
