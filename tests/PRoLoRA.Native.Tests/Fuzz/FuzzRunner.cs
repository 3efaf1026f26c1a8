using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace PRoLoRA.Native.Tests.Fuzz;

/// <summary>
/// Runs seeded cases of one target until its time is up: case i's input comes from a generator
/// seeded with a hash of (base seed, target, i), so a case is the same on every machine; every
/// <see cref="FuzzSettings.CliEvery"/>th case also goes through the CLI. Each case runs on a worker
/// with a timeout (a hang fails the run at once). A failing case's input is saved under
/// WorkDirectory/fuzz-failures/TARGET/CASE-ID/ with failure.txt, ready to be kept as a fixture.
/// </summary>
internal static class FuzzRunner
{
    public sealed record Report(string Summary, IReadOnlyList<string> Failures);

    /// <summary>Runs <paramref name="input"/> through <paramref name="target"/> in a fresh folder, on a worker, within <see cref="FuzzSettings.CaseTimeout"/>.</summary>
    public static CaseResult RunCase(FuzzTarget target, FuzzInput input, string dir, bool cli)
    {
        var result = new CaseResult();
        Directory.CreateDirectory(dir);
        var work = Task.Run(() => target.Run(input, dir, result, cli));
        try
        {
            if (!work.Wait(FuzzSettings.CaseTimeout))
            {
                // The worker still runs (and writes to its result): report on a fresh one.
                var hung = new CaseResult { Hung = true };
                hung.Violation("hang", $"the case did not finish within {FuzzSettings.CaseTimeout.TotalSeconds} s");
                return hung;
            }
        }
        catch (AggregateException e)
        {
            result.Violation($"{(e.InnerException ?? e).GetType().FullName} escaped the fuzz target", FuzzContract.Describe(e.InnerException ?? e));
        }
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The scratch folder goes at the end of the test anyway.
        }
        return result;
    }

    public static Report Run(FuzzTarget target, FuzzSettings settings, string scratch)
    {
        var saved = Path.GetDirectoryName(FailureFolder(target.Name, "x"))!;
        if (Directory.Exists(saved))
        {
            Directory.Delete(saved, recursive: true); // a previous run's failures
        }
        var clock = Stopwatch.StartNew();
        var budget = TimeSpan.FromSeconds(settings.Seconds);
        var reached = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var failures = new List<string>();
        var signatures = new Dictionary<string, int>(StringComparer.Ordinal);
        long cases = 0, failed = 0;
        while (clock.Elapsed < budget)
        {
            long index = cases++;
            var id = $"s{settings.Seed}-c{index}";
            var input = target.Mutate(new Mutator(new Random(CaseSeed(settings.Seed, target.Name, index))));
            var result = RunCase(target, input, Path.Combine(scratch, id), cli: index % FuzzSettings.CliEvery == 0);
            foreach (var stage in result.Reached)
            {
                reached[stage] = reached.GetValueOrDefault(stage) + 1;
            }
            if (result.Violations.Count == 0)
            {
                continue;
            }
            failed++;
            var signature = result.Signatures[0];
            signatures[signature] = signatures.GetValueOrDefault(signature) + 1;
            if (signatures[signature] == 1 && failures.Count < FuzzSettings.MaxSavedFailures)
            {
                failures.Add(Save(target, id, input, result));
            }
            if (result.Hung)
            {
                break;
            }
        }
        var stages = string.Join(", ", reached.Select(kv => $"{kv.Key} {kv.Value:N0}"));
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"{target.Name}: {cases:N0} cases, {failed:N0} failures ({signatures.Count} distinct) in {clock.Elapsed.TotalSeconds:0.0} s; reached: {(stages.Length == 0 ? "none" : stages)}; base seed {settings.Seed} (PROLORA_FUZZ_SEED), {settings.Seconds:0.#} s per target (PROLORA_FUZZ_SECONDS)");
        return new Report(summary, failures);
    }

    /// <summary>Where a failing case of <paramref name="target"/> is saved.</summary>
    public static string FailureFolder(string target, string id) => Path.Combine(TestContext.CurrentContext.WorkDirectory, "fuzz-failures", target, id);

    /// <summary>Saves the failing input with failure.txt; returns the report: the violations, where the input is, and how to keep it.</summary>
    private static string Save(FuzzTarget target, string id, FuzzInput input, CaseResult result)
    {
        var folder = FailureFolder(target.Name, id);
        input.WriteTo(folder);
        var violations = string.Join("\n", result.Violations.Select(v => "  - " + v));
        File.WriteAllText(Path.Combine(folder, "failure.txt"), $"{target.Name} case {id}\n{violations}\n");
        var keep = $"tests/PRoLoRA.Native.Tests/Fuzz/Regressions/{target.Name}/{id}/";
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"{target.Name} case {id} broke the contract:")
            .AppendLine(violations)
            .AppendLine(CultureInfo.InvariantCulture, $"  input saved in {folder}")
            .AppendLine(CultureInfo.InvariantCulture, $"  keep it as a regression test (RegressionTests replays it): mkdir -p {keep} && cp '{folder}'/* {keep}");
        return text.ToString();
    }

    /// <summary>SplitMix64 of the base seed, the target's name and the case index.</summary>
    private static int CaseSeed(ulong seed, string target, long index)
    {
        ulong x = seed;
        foreach (char c in target)
        {
            x = (x ^ c) * 1099511628211;
        }
        x += 0x9E3779B97F4A7C15UL * (ulong)(index + 1);
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return (int)((x ^ (x >> 31)) & int.MaxValue);
    }
}
