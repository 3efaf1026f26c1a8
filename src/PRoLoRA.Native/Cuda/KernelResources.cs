using System.Globalization;
using System.Text.RegularExpressions;

namespace PRoLoRA.Native.Cuda;

/// <summary>
/// What ptxas says one kernel (an <c>extern "C" __global__</c> entry point) uses, read from its
/// verbose output (<c>-Xptxas=-v</c>) in NVRTC's compile log.
/// </summary>
/// <param name="FileName">The .cu file the kernel is in.</param>
/// <param name="Kernel">The entry point's name.</param>
/// <param name="Arch">What ptxas compiled it for, for example "sm_90".</param>
/// <param name="Registers">Registers per thread.</param>
/// <param name="SpillStoreBytes">Bytes a thread stores to local memory because registers ran out.</param>
/// <param name="SpillLoadBytes">Bytes a thread loads back from those spills.</param>
/// <param name="StackFrameBytes">Local memory per thread: local arrays and spills.</param>
/// <param name="SharedBytes">Static shared memory per block (dynamic shared memory is not known at compile time).</param>
/// <param name="ConstantBytes">Constant memory over all banks (cmem[0] holds the parameters); null when ptxas does not say (ptxas 11.8 for sm_90).</param>
internal sealed partial record KernelResources(
    string FileName, string Kernel, string Arch, int Registers, int SpillStoreBytes, int SpillLoadBytes, int StackFrameBytes, int SharedBytes, int? ConstantBytes)
{
    /// <summary>True when the kernel spills registers to local memory.</summary>
    public bool Spills => SpillStoreBytes > 0 || SpillLoadBytes > 0;

    /// <summary>
    /// The kernels of one compile log, ordered by name. Non-inlined device functions get a
    /// "Function properties" block of their own and no register line; they are not kernels and are skipped.
    /// </summary>
    /// <param name="fileName">The .cu file that was compiled.</param>
    /// <param name="log">NVRTC's program log of a compile with <c>-Xptxas=-v</c>.</param>
    /// <exception cref="FormatException">A kernel's properties or register line is missing.</exception>
    public static IReadOnlyList<KernelResources> Parse(string fileName, string log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var kernels = new List<KernelResources>();
        Entry? entry = null;
        bool propertiesAreTheEntrys = false;
        foreach (var line in log.Split('\n', StringSplitOptions.TrimEntries))
        {
            Match m;
            if ((m = EntryLine().Match(line)).Success)
            {
                Finish(fileName, entry, kernels);
                entry = new Entry(m.Groups["name"].Value, m.Groups["arch"].Value);
                propertiesAreTheEntrys = false;
            }
            else if ((m = PropertiesLine().Match(line)).Success)
            {
                propertiesAreTheEntrys = entry is not null && m.Groups["name"].Value == entry.Name;
            }
            else if ((m = FrameLine().Match(line)).Success && propertiesAreTheEntrys)
            {
                entry!.Frame = (Int(m, "stack"), Int(m, "stores"), Int(m, "loads"));
            }
            else if ((m = UsedLine().Match(line)).Success && entry is not null)
            {
                entry.Registers = Int(m, "registers");
                foreach (Match item in MemoryItem().Matches(m.Groups["rest"].Value))
                {
                    int bytes = Int(item, "bytes");
                    switch (item.Groups["space"].Value)
                    {
                        case "smem":
                            entry.Shared += bytes;
                            break;
                        case "cmem":
                            entry.Constant = (entry.Constant ?? 0) + bytes;
                            break;
                    }
                }
            }
        }
        Finish(fileName, entry, kernels);
        return kernels.OrderBy(k => k.Kernel, StringComparer.Ordinal).ToList();
    }

    private static void Finish(string fileName, Entry? entry, List<KernelResources> kernels)
    {
        if (entry is null)
        {
            return;
        }
        if (entry.Frame is not { } frame || entry.Registers is not int registers)
        {
            throw new FormatException($"ptxas log of {fileName}: kernel '{entry.Name}' lacks its {(entry.Frame is null ? "stack frame" : "register")} line");
        }
        kernels.Add(new KernelResources(fileName, entry.Name, entry.Arch, registers, frame.Stores, frame.Loads, frame.Stack, entry.Shared, entry.Constant));
    }

    private static int Int(Match m, string group) => int.Parse(m.Groups[group].Value, NumberStyles.None, CultureInfo.InvariantCulture);

    /// <summary>"ptxas info    : Compiling entry function 'adamw' for 'sm_90'"</summary>
    [GeneratedRegex(@"^ptxas info\s*: Compiling entry function '(?<name>[^']+)' for '(?<arch>[^']+)'")]
    private static partial Regex EntryLine();

    /// <summary>"ptxas info    : Function properties for adamw"</summary>
    [GeneratedRegex(@"^ptxas info\s*: Function properties for (?<name>\S+)")]
    private static partial Regex PropertiesLine();

    /// <summary>"ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads"</summary>
    [GeneratedRegex(@"^ptxas\s+\.\s+(?<stack>\d+) bytes stack frame, (?<stores>\d+) bytes spill stores, (?<loads>\d+) bytes spill loads")]
    private static partial Regex FrameLine();

    /// <summary>"ptxas info    : Used 37 registers, 392 bytes cmem[0], 168 bytes cmem[2]" (smem, cmem and anything newer after the count).</summary>
    [GeneratedRegex(@"^ptxas info\s*: Used (?<registers>\d+) registers(?<rest>.*)$")]
    private static partial Regex UsedLine();

    /// <summary>"16512 bytes smem", "392 bytes cmem[0]".</summary>
    [GeneratedRegex(@"(?<bytes>\d+) bytes (?<space>[a-z]+)(\[\d+\])?")]
    private static partial Regex MemoryItem();

    private sealed class Entry(string name, string arch)
    {
        public string Name { get; } = name;

        public string Arch { get; } = arch;

        public (int Stack, int Stores, int Loads)? Frame { get; set; }

        public int? Registers { get; set; }

        public int Shared { get; set; }

        public int? Constant { get; set; }
    }
}
