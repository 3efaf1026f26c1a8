using System.Globalization;

namespace PRoLoRA.Bench;

/// <summary>This process's memory as Linux counts it (/proc/self/status): null elsewhere.</summary>
internal static class ProcessMemory
{
    /// <summary>Resident bytes now (VmRSS).</summary>
    public static long? Resident() => Read("VmRSS:");

    /// <summary>The most resident bytes so far (VmHWM, the high-water mark).</summary>
    public static long? Peak() => Read("VmHWM:");

    /// <summary>Resident bytes after a full, compacting collection: what the live objects hold, garbage returned.</summary>
    public static long? ResidentAfterCollect()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return Resident();
    }

    private static long? Read(string key)
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status))
        {
            return null;
        }
        foreach (string line in File.ReadLines(status))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                // "VmRSS:	  123456 kB"
                var parts = line[key.Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024;
            }
        }
        return null;
    }
}
