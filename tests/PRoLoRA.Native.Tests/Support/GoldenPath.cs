namespace PRoLoRA.Native.Tests.Support;

/// <summary>Finds the official golden vectors: $PROLORA_GOLDEN, else shared/golden/ in the nearest ancestor folder that has one.</summary>
public static class GoldenPath
{
    /// <summary>Path of prolora_official.json; fails the test when it cannot be found.</summary>
    public static string Official
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("PROLORA_GOLDEN");
            if (!string.IsNullOrEmpty(env))
            {
                return env;
            }
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "golden", "prolora_official.json");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
            Assert.Fail("golden vectors not found: set PROLORA_GOLDEN or keep shared/golden/ beside the checkout");
            return "";
        }
    }
}
