namespace PRoLoRA.Native.Cuda;

/// <summary>
/// The limits every kernel keeps: no register spills, and at most 48 KiB of static shared memory
/// per block unless its file carries <see cref="LargeSharedMemoryMarker"/>.
/// </summary>
internal static class KernelResourceLimits
{
    /// <summary>Static shared memory a block may use without opting in: 48 KiB, what every architecture gives without cuFuncSetAttribute.</summary>
    public const int SharedBytesPerBlock = 48 * 1024;

    /// <summary>The comment in a .cu file that lets its kernels use more than <see cref="SharedBytesPerBlock"/>.</summary>
    public const string LargeSharedMemoryMarker = "// prolora: large-shared-memory";

    /// <summary>True when <paramref name="source"/> opts in to more than 48 KiB of shared memory per block.</summary>
    public static bool AllowsLargeSharedMemory(KernelSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.Text.Contains(LargeSharedMemoryMarker, StringComparison.Ordinal);
    }

    /// <summary>One line for each limit that a kernel of <paramref name="source"/> breaks; empty when all hold.</summary>
    public static IReadOnlyList<string> Problems(KernelSource source, IReadOnlyList<KernelResources> kernels)
    {
        ArgumentNullException.ThrowIfNull(kernels);
        bool largeShared = AllowsLargeSharedMemory(source);
        var problems = new List<string>();
        foreach (var k in kernels)
        {
            if (k.Spills)
            {
                problems.Add($"{k.FileName}: {k.Kernel} spills registers on {k.Arch} ({k.SpillStoreBytes} bytes stored, {k.SpillLoadBytes} bytes loaded per thread, {k.Registers} registers)");
            }
            if (k.SharedBytes > SharedBytesPerBlock && !largeShared)
            {
                problems.Add($"{k.FileName}: {k.Kernel} uses {k.SharedBytes} bytes of static shared memory per block on {k.Arch}, over {SharedBytesPerBlock} (add \"{LargeSharedMemoryMarker}\" to the file to opt in)");
            }
        }
        return problems;
    }
}
