namespace PRoLoRA.Bench;

/// <summary>
/// The small LLaMA that ships as the demo's base, tools/PRoLoRA.Cli/Data/llama-base: looked for as Data/llama-base
/// next to the benchmark's binaries (where the CLI's data lands when both are published into one folder, as in
/// the GPU bundle), then under tools/PRoLoRA.Cli/Data/ above the binaries or the working folder.
/// </summary>
internal static class ShippedBase
{
    private const string Name = "llama-base";

    /// <summary>The folder (with a config.json), or null when there is none.</summary>
    public static string? Find()
    {
        string bin = AppContext.BaseDirectory;
        if (IsCheckpoint(Path.Combine(bin, "Data", Name)))
        {
            return Path.GetFullPath(Path.Combine(bin, "Data", Name));
        }
        foreach (string start in new[] { bin, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string path = Path.Combine(dir.FullName, "tools", "PRoLoRA.Cli", "Data", Name);
                if (IsCheckpoint(path))
                {
                    return path;
                }
            }
        }
        return null;
    }

    private static bool IsCheckpoint(string folder) => File.Exists(Path.Combine(folder, "config.json"));
}
