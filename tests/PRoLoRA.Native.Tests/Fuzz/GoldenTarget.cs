using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Verification;

namespace PRoLoRA.Native.Tests.Fuzz;

/// <summary>A golden file (the official one cut to two cases, mutated): GoldenFile.Load, then every case verified on the CPU; CLI: verify-golden.</summary>
internal sealed class GoldenTarget : FuzzTarget
{
    public const string File = "golden.json";

    public override string Name => "golden";

    public override IReadOnlyList<string> FileNames => [File];

    public override FuzzInput Mutate(Mutator m)
        => new(File, m.Chance(0.8) ? new JsonMutator(m).Mutate(FuzzSeeds.Golden, FuzzSeeds.JsonFiles) : m.Bytes(FuzzSeeds.Golden, FuzzSeeds.JsonFiles));

    public override void Run(FuzzInput input, string dir, CaseResult result, bool cli)
    {
        input.WriteTo(dir);
        var path = Path.Combine(dir, File);
        IReadOnlyList<GoldenCase>? cases = null;
        bool loaded = FuzzContract.Attempt(result, "GoldenFile.Load", () => cases = GoldenFile.Load(path), [path]);
        if (cases is not null)
        {
            result.Reach("loaded");
            foreach (var golden in cases)
            {
                FuzzContract.MustNotThrow(result, $"GoldenVerifier.Verify(case '{golden.Name}')", () => GoldenVerifier.Verify(golden, CpuBackend.Instance));
            }
        }
        if (cli)
        {
            // verify-golden exits 1 when a loaded case fails verification (mutated values do).
            var run = FuzzContract.Cli(result, [0, 1, PRoLoRA.Cli.Cli.BadInput], "verify-golden", path);
            FuzzContract.Agrees(result, run?.Code == 1 ? run with { Code = 0 } : run, loaded);
        }
    }
}
