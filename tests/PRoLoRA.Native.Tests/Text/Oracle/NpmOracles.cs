using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Text.Oracle;

/// <summary>
/// The npm packages the tokenizer tests compare against, installed once into a cached folder under
/// the test's work directory (a temporary sibling renamed into place, so a killed install leaves no
/// half a cache). Without node or npm the tests are ignored, and fail in CI.
/// </summary>
internal static class NpmOracles
{
    /// <summary>Name and exact version of each package: Tokenizers.js (loads a tokenizer.json), LLaMA 2's and LLaMA 3's JavaScript tokenizers (vocabularies baked in), SentencePiece compiled to WebAssembly.</summary>
    public static readonly (string Name, string Version)[] Packages =
    [
        ("@huggingface/tokenizers", "0.2.0"),
        ("llama-tokenizer-js", "1.2.2"),
        ("llama3-tokenizer-js", "1.2.0"),
        ("@agnai/sentencepiece-js", "1.1.1"),
    ];

    private const int InstallSeconds = 300;
    private const string Marker = ".installed";

    /// <summary>The folder the packages are installed in (its node_modules holds them).</summary>
    public static string Install()
    {
        RequireTool("node");
        RequireTool("npm");
        string list = string.Join(",", Packages.Select(p => $"{p.Name}@{p.Version}"));
        string key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(list)))[..12].ToLowerInvariant();
        string root = Path.Combine(TestContext.CurrentContext.WorkDirectory, "npm-oracles");
        string folder = Path.Combine(root, key);
        if (File.Exists(Path.Combine(folder, Marker)))
        {
            return folder;
        }
        string temp = Path.Combine(root, $".{key}-{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(temp);
        try
        {
            var package = new { name = "prolora-tokenizer-oracles", version = "1.0.0", @private = true, dependencies = Packages.ToDictionary(p => p.Name, p => p.Version) };
            File.WriteAllText(Path.Combine(temp, "package.json"), JsonSerializer.Serialize(package));
            var result = BoundedProcess.Run("npm", ["install", "--no-audit", "--no-fund", "--no-progress", "--loglevel=error", "--ignore-scripts", "--no-package-lock"], temp, InstallSeconds);
            if (result is not (0, _))
            {
                Requirements.MissingTool($"npm install {list} failed (is the npm registry reachable?): {BoundedProcess.Tail(result?.Output ?? "npm did not start")}");
            }
            File.WriteAllText(Path.Combine(temp, Marker), list);
            if (!Directory.Exists(folder))
            {
                Directory.Move(temp, folder);
            }
        }
        finally
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
        }
        return folder;
    }

    private static void RequireTool(string tool)
    {
        var result = BoundedProcess.Run(tool, ["--version"], Path.GetTempPath(), 60);
        if (result is not (0, _))
        {
            Requirements.MissingTool($"the tokenizer oracle tests need {tool} (node 20 and npm), which is not installed here: {result?.Output.Trim() ?? "not found"}");
        }
    }
}
