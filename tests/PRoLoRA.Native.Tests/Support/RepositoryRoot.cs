namespace PRoLoRA.Native.Tests.Support;

/// <summary>The repository the tests were built from (absent when they run from a published bundle).</summary>
internal static class RepositoryRoot
{
    /// <summary>The nearest folder above the test assembly that holds PRoLoRA.Native.sln, or null.</summary>
    public static string? TryFind()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PRoLoRA.Native.sln")))
            {
                return dir.FullName;
            }
        }
        return null;
    }

    /// <summary>The same, or an exception that says where it looked.</summary>
    public static string Find() => TryFind() ?? throw new InvalidOperationException($"no folder above {AppContext.BaseDirectory} holds PRoLoRA.Native.sln");
}
