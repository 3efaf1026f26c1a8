using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Verification;

/// <summary>The comparison of one array with the golden values.</summary>
/// <param name="Name">Array name (y, lora_a, grad_chunk_a, ...).</param>
/// <param name="MaxAbsError">Largest |actual − expected|.</param>
/// <param name="Passed">Every element within <see cref="GoldenVerifier.Tolerance"/>·(1 + |expected|).</param>
public sealed record GoldenComparison(string Name, double MaxAbsError, bool Passed);

/// <summary>
/// Runs golden cases forward and backward through the real layer and tape (a zero base weight,
/// so y is the adapter's output alone) on any backend, and compares every array.
/// </summary>
public static class GoldenVerifier
{
    /// <summary>Relative tolerance: |error| ≤ 1e-4 · (1 + |expected|).</summary>
    public const double Tolerance = 1e-4;

    /// <summary>The arrays compared, in order.</summary>
    public static readonly string[] Compared = ["y", "lora_a", "lora_b", "grad_x", "grad_chunk_a", "grad_vec_a", "grad_chunk_b", "grad_vec_b"];

    /// <summary>Runs <paramref name="golden"/> on <paramref name="backend"/>; one comparison per array of <see cref="Compared"/>.</summary>
    public static IReadOnlyList<GoldenComparison> Verify(GoldenCase golden, IBackend backend)
    {
        ArgumentNullException.ThrowIfNull(golden);
        var c = golden.Config;
        var adapter = golden.CreateAdapter(backend);
        var weight = Variable.Constant(backend.Zeros(new Shape(c.OutFeatures, c.InFeatures)), "weight");
        using var layer = new ProLoraLinear(weight, null, adapter);
        using var tape = new Tape(backend);
        using var xTensor = golden.Input("x", backend);
        using var dy = golden.Input("dy", backend);
        var x = Variable.Input(xTensor, "x");
        var y = tape.Forward(layer, x);
        tape.Backward(y, dy);
        using var loraA = adapter.MaterializeA();
        using var loraB = adapter.MaterializeB();

        var actual = new Dictionary<string, float[]>
        {
            ["y"] = y.Value.ToArray(),
            ["lora_a"] = loraA.ToArray(),
            ["lora_b"] = loraB.ToArray(),
            ["grad_x"] = GradOrZeros(x),
            ["grad_chunk_a"] = GradOrZeros(adapter.ChunkA),
            ["grad_vec_a"] = GradOrZeros(adapter.VecA),
            ["grad_chunk_b"] = GradOrZeros(adapter.ChunkB),
            ["grad_vec_b"] = GradOrZeros(adapter.VecB),
        };
        x.Grad?.Dispose();
        return Compared.Select(name => Compare(name, actual[name], golden.Expected[name].Data)).ToArray();
    }

    private static Variable Forward(this Tape tape, ProLoraLinear layer, Variable x) => layer.Forward(tape, x);

    private static float[] GradOrZeros(Variable v) => v.Grad?.ToArray() ?? new float[v.Shape.Count];

    private static GoldenComparison Compare(string name, float[] actual, double[] expected)
    {
        double maxErr = 0;
        bool ok = actual.Length == expected.Length;
        for (int i = 0; i < Math.Min(actual.Length, expected.Length); i++)
        {
            double err = Math.Abs(actual[i] - expected[i]);
            maxErr = Math.Max(maxErr, double.IsNaN(err) ? double.PositiveInfinity : err);
            ok &= err <= Tolerance * (1 + Math.Abs(expected[i]));
        }
        return new GoldenComparison(name, maxErr, ok);
    }
}
