using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Tensors;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Autograd;

/// <summary>
/// Finite-difference check of a tape expression: the loss is Σ f(inputs) ⊙ w for a random w;
/// the tape's gradients must match central differences of that loss, element by element.
/// </summary>
public static class GradientCheck
{
    /// <summary>Checks the gradient of every input tensor, each wrapped as a leaf that requires a gradient.</summary>
    public static void Check(Func<Tape, Variable[], Variable> f, Tensor[] inputs, double eps = 1e-2, double tolerance = 2e-3)
        => Check(f, inputs.Select((t, i) => Variable.Input(t, $"input{i}")).ToArray(), eps, tolerance);

    /// <summary>Checks the gradient of every leaf (inputs or parameters) of the expression.</summary>
    public static void Check(Func<Tape, Variable[], Variable> f, Variable[] vars, double eps = 1e-2, double tolerance = 2e-3)
    {
        var be = CpuBackend.Instance;
        var inputs = vars.Select(v => v.Value).ToArray();
        float[] w;
        using (var tape = new Tape(be))
        {
            var output = f(tape, vars);
            w = Rand.Uniform(99, output.Shape.Count);
            using var seed = be.FromArray(w, output.Shape);
            tape.Backward(output, seed);
        }
        for (int i = 0; i < inputs.Length; i++)
        {
            var analytic = vars[i].Grad?.ToArray() ?? new float[inputs[i].Count];
            var values = inputs[i].ToArray();
            for (int e = 0; e < values.Length; e++)
            {
                float keep = values[e];
                values[e] = keep + (float)eps;
                double plus = Loss(f, vars, inputs[i], values, w);
                values[e] = keep - (float)eps;
                double minus = Loss(f, vars, inputs[i], values, w);
                values[e] = keep;
                be.CopyFromHost(values, inputs[i]);
                double numeric = (plus - minus) / (2 * eps);
                Assert.That(analytic[e], Is.EqualTo(numeric).Within(tolerance * (1 + Math.Abs(numeric))),
                    $"d loss / d input{i}[{e}]: tape {analytic[e]}, finite difference {numeric}");
            }
        }
    }

    private static double Loss(Func<Tape, Variable[], Variable> f, Variable[] vars, Tensor target, float[] values, float[] w)
    {
        CpuBackend.Instance.CopyFromHost(values, target);
        using var tape = new Tape(CpuBackend.Instance);
        var y = f(tape, vars).Value.ToArray();
        double sum = 0;
        for (int i = 0; i < y.Length; i++)
        {
            sum += (double)y[i] * w[i];
        }
        return sum;
    }
}
