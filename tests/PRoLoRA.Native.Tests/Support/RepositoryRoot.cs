namespace PRoLoRA.Native.Tests.Support;

/// <summary>The repository the tests were built from.</summary>
internal static class RepositoryRoot
{
    /// <summary>The nearest folder above the test assembly that holds PRoLoRA.Native.sln.</summary>
    public static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PRoLoRA.Native.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no folder above {AppContext.BaseDirectory} holds PRoLoRA.Native.sln");
    }
}
