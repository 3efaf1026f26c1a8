using System.CommandLine;
using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Verification;

namespace PRoLoRA.Cli.Commands;

/// <summary>`prolora verify-golden FILE [--device cpu|cuda]`: checks this build against the official implementation's vectors.</summary>
public static class VerifyGoldenCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var file = PathArguments.Argument("file", "a prolora-golden/1 JSON file (e.g. tests/PRoLoRA.Native.Tests/Golden/prolora_official.json)");
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N", DefaultValueFactory = _ => "cpu" };
        var cmd = new Command("verify-golden", "run every golden case forward and backward through the layer and tape, and compare") { file, device };
        cmd.SetAction(p =>
        {
            var cases = GoldenFile.Load(p.GetValue(file)!);
            using var backend = Devices.Open(p.GetValue(device)!);
            var o = p.InvocationConfiguration.Output;
            o.WriteLine($"device: {backend.Name}; tolerance |error| <= {GoldenVerifier.Tolerance:g} * (1 + |expected|)");
            o.WriteLine($"{"case",-32} {string.Join(" ", GoldenVerifier.Compared.Select(n => $"{n,12}"))}  result");
            int passed = 0;
            foreach (var golden in cases)
            {
                var results = GoldenVerifier.Verify(golden, backend);
                bool ok = results.All(r => r.Passed);
                passed += ok ? 1 : 0;
                o.WriteLine($"{golden.Name,-32} {string.Join(" ", results.Select(r => $"{r.MaxAbsError,12:0.00e+00}"))}  {(ok ? "pass" : "FAIL: " + string.Join(", ", results.Where(r => !r.Passed).Select(r => r.Name)))}");
            }
            o.WriteLine($"{passed} passed, {cases.Count - passed} failed");
            return passed == cases.Count ? 0 : 1;
        });
        return cmd;
    }
}
