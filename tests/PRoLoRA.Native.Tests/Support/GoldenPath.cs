namespace PRoLoRA.Native.Tests.Support;

/// <summary>
/// The official implementation's golden vectors: $PROLORA_GOLDEN, else the copy this project keeps
/// in tests/PRoLoRA.Native.Tests/Golden/ (a copy of the reference vectors the paper's official code computed), which
/// the build puts beside the test assembly.
/// </summary>
public static class GoldenPath
{
    /// <summary>Path of prolora_official.json.</summary>
    public static string Official
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("PROLORA_GOLDEN");
            if (!string.IsNullOrEmpty(env))
            {
                return env;
            }
            var path = Path.Combine(AppContext.BaseDirectory, "Golden", "prolora_official.json");
            Assert.That(File.Exists(path), Is.True, $"{path} is missing: the test project copies Golden/ to its output");
            return path;
        }
    }
}
