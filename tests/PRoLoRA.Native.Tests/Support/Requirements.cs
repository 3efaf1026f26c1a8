namespace PRoLoRA.Native.Tests.Support;

/// <summary>
/// Skips a test whose prerequisite is missing, with the reason; where an environment variable
/// says the prerequisite is required (CI sets PROLORA_REQUIRE_KERNEL_CHECKS, a GPU machine sets
/// PROLORA_REQUIRE_GPU), the skip becomes a failure, so nothing silently goes unchecked.
/// </summary>
public static class Requirements
{
    /// <summary>Set in CI: NVRTC and the host-kernel library must be present.</summary>
    public const string KernelChecksVariable = "PROLORA_REQUIRE_KERNEL_CHECKS";

    /// <summary>Set on GPU machines: the CUDA device must be usable.</summary>
    public const string GpuVariable = "PROLORA_REQUIRE_GPU";

    /// <summary>Ignores (or fails, when <paramref name="variable"/> is set to 1) the current test.</summary>
    public static void Missing(string variable, string reason)
    {
        if (Environment.GetEnvironmentVariable(variable) == "1")
        {
            Assert.Fail($"{reason} ({variable}=1 makes this a failure)");
        }
        Assert.Ignore(reason);
    }

    /// <summary>
    /// Ignores the current test for a missing tool (node, npm), or fails it in CI (CI=true or
    /// <see cref="KernelChecksVariable"/>=1), where the tool is part of the machine.
    /// </summary>
    public static void MissingTool(string reason)
    {
        if (Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail($"{reason} (CI=true makes this a failure)");
        }
        Missing(KernelChecksVariable, reason);
    }
}
