using System.Globalization;

namespace PRoLoRA.Native.Tests.Fuzz;

/// <summary>
/// The fuzzer's knobs, from the environment: PROLORA_FUZZ_SEED (the base seed every case seed is
/// derived from; fixed by default so CI is deterministic) and PROLORA_FUZZ_SECONDS (time per target).
/// </summary>
internal sealed record FuzzSettings(ulong Seed, double Seconds)
{
    public const ulong DefaultSeed = 20240917;

    public const double DefaultSeconds = 5;

    /// <summary>Every this many cases, the case also goes through the CLI.</summary>
    public const int CliEvery = 10;

    /// <summary>A case that runs longer than this is a hang.</summary>
    public static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The distinct failures saved as fixtures (later ones are counted only).</summary>
    public const int MaxSavedFailures = 5;

    public static FuzzSettings FromEnvironment()
    {
        var seed = Environment.GetEnvironmentVariable("PROLORA_FUZZ_SEED");
        var seconds = Environment.GetEnvironmentVariable("PROLORA_FUZZ_SECONDS");
        return new FuzzSettings(
            string.IsNullOrWhiteSpace(seed) ? DefaultSeed : ulong.Parse(seed, CultureInfo.InvariantCulture),
            string.IsNullOrWhiteSpace(seconds) ? DefaultSeconds : double.Parse(seconds, CultureInfo.InvariantCulture));
    }
}
