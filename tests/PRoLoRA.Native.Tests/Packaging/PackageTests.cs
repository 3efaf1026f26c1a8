using System.Reflection;
using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Packaging;

/// <summary>
/// The two NuGet packages as a user gets them: packed into a temporary folder feed, then used from
/// outside the repository with that feed as the only source (no network). A consumer project runs a
/// PRoLoRA layer forward and backward against the golden cases (tests/PackageConsumer) and compiles
/// the code samples of the package's README (docs/nuget/PRoLoRA.Native.md); the tool is
/// installed into a temporary tool path and runs `params`, `doctor` and the main job.
/// </summary>
[NonParallelizable]
public class PackageTests
{
    private TempFolder? folder;
    private string feed = "";
    private string version = "";

    private static string Configuration => AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";

    [OneTimeSetUp]
    public void PackBoth()
    {
        folder = new TempFolder();
        feed = Directory.CreateDirectory(folder.File("feed")).FullName;
        // The version of the build under test (one place: Directory.Build.props), without its commit.
        version = typeof(ProLoraLinear).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];
        string root = RepositoryRoot.Find();
        // --no-build packs the assemblies this test run was built from.
        foreach (var project in new[] { "src/PRoLoRA.Native/PRoLoRA.Native.csproj", "tools/PRoLoRA.Cli/PRoLoRA.Cli.csproj" })
        {
            var (code, output) = Dotnet(root, 300, "pack", Path.Combine(root, project), "-c", Configuration, "--no-build", "-o", feed, "-nologo");
            Assert.That(code, Is.Zero, $"dotnet pack {project}\n{BoundedProcess.Tail(output)}");
        }
        Assert.That(File.Exists(Path.Combine(feed, $"PRoLoRA.Native.{version}.nupkg")), $"PRoLoRA.Native.{version}.nupkg in the feed");
        Assert.That(File.Exists(Path.Combine(feed, $"prolora.{version}.nupkg")), $"prolora.{version}.nupkg in the feed");
        File.WriteAllText(folder.File("nuget.config"), FeedOnlyConfig(feed));
    }

    [OneTimeTearDown]
    public void Clean() => folder?.Dispose();

    [Test]
    public void ALibraryConsumer_FromTheFeedOnly_MatchesTheGoldenCases()
    {
        var project = Directory.CreateDirectory(folder!.File("consumer")).FullName;
        string source = Path.Combine(RepositoryRoot.Find(), "tests", "PackageConsumer");
        foreach (var file in new[] { "PackageConsumer.csproj", "Program.cs" })
        {
            File.Copy(Path.Combine(source, file), Path.Combine(project, file));
        }
        File.Copy(folder.File("nuget.config"), Path.Combine(project, "nuget.config"));
        int samples = ReadmeSamples.Write(Path.Combine(RepositoryRoot.Find(), "docs", "nuget", "PRoLoRA.Native.md"), Path.Combine(project, "ReadmeSamples.cs"));
        Assert.That(samples, Is.EqualTo(3), "the package README's three uses");

        var (code, output) = Dotnet(project, 300, "run", "-c", "Release", $"-p:PRoLoRAVersion={version}", "--", GoldenPath.Official);

        Assert.That(code, Is.Zero, BoundedProcess.Tail(output));
        Assert.That(output, Does.Contain("all cases match").And.Contain("grad_chunk_b: ok"));
        // Restored from the feed into this test's own package folder: the assembly it ran is the package's.
        string restored = Path.Combine(Packages(), "prolora.native", version, "lib", "net10.0", "PRoLoRA.Native.dll");
        string ran = Path.Combine(project, "bin", "Release", "net10.0", "PRoLoRA.Native.dll");
        Assert.That(output, Does.Contain($"PRoLoRA.Native from {ran}"));
        Assert.That(File.ReadAllBytes(ran), Is.EqualTo(File.ReadAllBytes(restored)), "the consumer ran the packed assembly");
    }

    [Test]
    public void TheTool_InstalledFromTheFeed_RunsParamsDoctorAndTheMainJob()
    {
        string tools = folder!.File("tools");
        var (code, output) = Dotnet(folder.Path, 300, "tool", "install", "prolora", "--tool-path", tools, "--version", version, "--configfile", folder.File("nuget.config"));
        Assert.That(code, Is.Zero, BoundedProcess.Tail(output));
        string prolora = Path.Combine(tools, "prolora");

        var paramsRun = Tool(prolora, 60, "params", "--model", "llama2-7b", "--r", "8", "--unshared", "1", "--reduce-a", "7", "--reduce-b", "7");
        Assert.That(paramsRun.Code, Is.Zero, paramsRun.Output);
        Assert.That(paramsRun.Output, Does.Contain("down_proj").And.Contain("trainable parameters:"));

        var doctor = Tool(prolora, 120, "doctor");
        Assert.That(doctor.Code, Is.Zero.Or.EqualTo(1), doctor.Output);
        Assert.That(doctor.Output, Does.Contain("GPU:"), "doctor reports the GPU (or why there is none)");

        // The shipped model and tasks travel in the package: the main job runs from the install.
        var train = Tool(prolora, 600, "train", "--steps", "1", "--out", folder.File("run"));
        Assert.That(train.Code, Is.Zero, train.Output);
        Assert.That(File.Exists(folder.File(Path.Combine("run", "results.json"))), train.Output);

        var versionRun = Tool(prolora, 60, "--version");
        Assert.That(versionRun.Output, Does.StartWith(version));
    }

    private (int Code, string Output) Tool(string prolora, int seconds, params string[] arguments)
        => BoundedProcess.Run(prolora, arguments, folder!.Path, seconds, Environment()) ?? throw new AssertionException($"{prolora} did not start");

    private (int Code, string Output) Dotnet(string workingFolder, int seconds, params string[] arguments)
        => BoundedProcess.Run("dotnet", arguments, workingFolder, seconds, Environment()) ?? throw new AssertionException("dotnet did not start");

    // A package folder of this test's own, so nothing is read from (or left in) the user's: packages of
    // the same version packed earlier would be taken from there.
    private string Packages() => folder!.File("packages");

    private Dictionary<string, string?> Environment() => new()
    {
        ["NUGET_PACKAGES"] = Packages(),
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
        ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
        // Not inherited from a `dotnet test` run: MSBuild's settings for the process that built the tests.
        ["MSBuildSDKsPath"] = null,
        ["MSBuildExtensionsPath"] = null,
        ["MSBUILD_EXE_PATH"] = null,
    };

    // The feed as the only source; the user's package folder as a read-only fallback, for the
    // library's own dependencies (Google.Protobuf, ...) that the repository's restore put there.
    private static string FeedOnlyConfig(string feed) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <clear />
            <add key="test-feed" value="{feed}" />
          </packageSources>
          <fallbackPackageFolders>
            <add key="user-packages" value="{UserPackages()}" />
          </fallbackPackageFolders>
        </configuration>
        """;

    private static string UserPackages()
        => System.Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p : Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".nuget", "packages");
}
