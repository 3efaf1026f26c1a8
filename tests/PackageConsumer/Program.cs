// A PRoLoRA layer's forward and backward through the package's public API, checked against the
// official implementation's golden vectors: `dotnet run -- GOLDEN_JSON`. Exit code 0 when every
// output and gradient of every case matches.
using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Tensors;
using PRoLoRA.Native.Verification;

var backend = CpuBackend.Instance;
Console.WriteLine($"PRoLoRA.Native from {typeof(ProLoraLinear).Assembly.Location}");
int failures = 0;
foreach (var golden in GoldenFile.Load(args[0]))
{
    var c = golden.Config;
    var adapter = new ProLoraAdapter(c, golden.Input("chunk_a", backend), golden.Input("vec_a", backend), golden.Input("chunk_b", backend), golden.Input("vec_b", backend));
    var weight = Variable.Constant(backend.Zeros(new Shape(c.OutFeatures, c.InFeatures)), "weight");
    using var layer = new ProLoraLinear(weight, null, adapter);
    using var tape = new Tape(backend);
    using var xTensor = golden.Input("x", backend);
    using var dy = golden.Input("dy", backend);
    var x = Variable.Input(xTensor, "x");
    var y = layer.Forward(tape, x);
    tape.Backward(y, dy);

    var actual = new Dictionary<string, float[]>
    {
        ["y"] = y.Value.ToArray(),
        ["grad_x"] = x.Grad!.ToArray(),
        ["grad_chunk_a"] = adapter.ChunkA.Grad!.ToArray(),
        ["grad_vec_a"] = adapter.VecA.Grad?.ToArray() ?? new float[adapter.VecA.Shape.Count],
        ["grad_chunk_b"] = adapter.ChunkB.Grad!.ToArray(),
        ["grad_vec_b"] = adapter.VecB.Grad?.ToArray() ?? new float[adapter.VecB.Shape.Count],
    };
    foreach (var (name, values) in actual)
    {
        var expected = golden.Expected[name].Data;
        double worst = values.Length == expected.Length ? values.Zip(expected, (a, e) => Math.Abs(a - e) / (1 + Math.Abs(e))).DefaultIfEmpty(0).Max() : double.PositiveInfinity;
        bool ok = worst <= 1e-4;
        failures += ok ? 0 : 1;
        Console.WriteLine($"{golden.Name} {name}: {(ok ? "ok" : "MISMATCH")} (largest relative error {worst:g3})");
    }
}
Console.WriteLine(failures == 0 ? "all cases match" : $"{failures} mismatches");
return failures == 0 ? 0 : 1;
