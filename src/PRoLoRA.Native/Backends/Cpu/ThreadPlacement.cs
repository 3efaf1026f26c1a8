using System.Runtime.InteropServices;

namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>
/// Keeps a worker thread off the core its caller runs on (Linux; elsewhere these do nothing). On a
/// small virtual machine the scheduler often woke a GEMM's worker on the caller's own core, as the
/// idle core's halted virtual CPU did not count as free, and the two shared it for the whole call
/// (traced on the 2-core build machine: most 10 ms calls took twice as long).
/// </summary>
internal static unsafe partial class ThreadPlacement
{
    // cpu_set_t: 1024 bits.
    private const int MaskWords = 16;

    private static readonly ulong[]? Allowed = ReadAllowed();

    /// <summary>The calling thread's kernel id, or 0 where placement is not supported.</summary>
    public static int CurrentThreadId() => Allowed is null ? 0 : gettid();

    /// <summary>The core the calling thread runs on, or -1 where unknown.</summary>
    public static int CurrentCpu() => Allowed is null ? -1 : sched_getcpu();

    /// <summary>
    /// Lets thread <paramref name="threadId"/> run on every core the process may use but
    /// <paramref name="cpu"/>. Best effort: nothing happens if that leaves no core or the call fails.
    /// </summary>
    public static void Avoid(int threadId, int cpu)
    {
        if (Allowed is null || threadId == 0 || cpu < 0 || cpu >= MaskWords * 64)
        {
            return;
        }
        ulong* mask = stackalloc ulong[MaskWords];
        bool any = false;
        for (int w = 0; w < MaskWords; w++)
        {
            mask[w] = Allowed[w] & (w == cpu / 64 ? ~(1UL << (cpu % 64)) : ulong.MaxValue);
            any |= mask[w] != 0;
        }
        if (any)
        {
            _ = sched_setaffinity(threadId, MaskWords * sizeof(ulong), mask);
        }
    }

    private static ulong[]? ReadAllowed()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        try
        {
            var words = new ulong[MaskWords];
            fixed (ulong* p = words)
            {
                return sched_getaffinity(0, MaskWords * sizeof(ulong), p) == 0 ? words : null;
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    [LibraryImport("libc")]
    private static partial int gettid();

    [LibraryImport("libc")]
    private static partial int sched_getcpu();

    [LibraryImport("libc")]
    private static partial int sched_getaffinity(int pid, nint size, ulong* mask);

    [LibraryImport("libc")]
    private static partial int sched_setaffinity(int pid, nint size, ulong* mask);
}
