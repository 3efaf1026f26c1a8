using System.Diagnostics;
using System.Globalization;
using PRoLoRA.Native.Training;

namespace PRoLoRA.Cli.FineTuning;

/// <summary>
/// For the tests of failing ranks only: <c>PROLORA_TEST_FAULT=RANK:STEP:kill|hang</c> makes that rank,
/// after that step, kill itself (SIGKILL, nothing cleaned up) or stop answering (sleep forever).
/// </summary>
internal static class FaultInjection
{
    private const string Variable = "PROLORA_TEST_FAULT";

    /// <summary>A progress callback that injects the fault asked for on <paramref name="rank"/>, or one that does nothing.</summary>
    public static Action<FineTuneProgress> For(int rank)
    {
        var text = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(text))
        {
            return _ => { };
        }
        var parts = text.Split(':');
        if (parts.Length != 3
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int faultRank)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int step)
            || parts[2] is not ("kill" or "hang"))
        {
            throw new ArgumentException($"{Variable} must be RANK:STEP:kill or RANK:STEP:hang, got '{text}'");
        }
        if (faultRank != rank)
        {
            return _ => { };
        }
        return p =>
        {
            if (p.Step != step)
            {
                return;
            }
            Console.Error.WriteLine($"rank {rank}: {Variable}: {parts[2]} after step {step}");
            Console.Error.Flush();
            if (parts[2] == "kill")
            {
                Process.GetCurrentProcess().Kill();
            }
            Thread.Sleep(Timeout.Infinite);
        };
    }
}
