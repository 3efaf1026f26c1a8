using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Autograd;

/// <summary>The elementwise and per-row ops of a LLaMA decoder: the gate product, RMSNorm and RoPE.</summary>
public static partial class TapeOps
{
    /// <summary>a ⊙ b (same shape): SwiGLU's silu(gate) ⊙ up.</summary>
    public static Variable Mul(this Tape tape, Variable a, Variable b)
    {
        var be = tape.Backend;
        if (a.Shape != b.Shape)
        {
            throw new ArgumentException($"mul: a has shape {a.Shape} but b has shape {b.Shape}");
        }
        var output = tape.Result(be.Empty(a.Shape), a.RequiresGrad || b.RequiresGrad, "mul");
        be.Mul(a.Value, b.Value, output.Value);
        tape.Record(output, g =>
        {
            var product = tape.Scratch(g.Shape);
            if (a.RequiresGrad)
            {
                be.Mul(g, b.Value, product);
                be.Axpby(1f, product, 1f, tape.GradOf(a));
            }
            if (b.RequiresGrad)
            {
                be.Mul(g, a.Value, product);
                be.Axpby(1f, product, 1f, tape.GradOf(b));
            }
        });
        return output;
    }

    /// <summary>
    /// LLaMA's RMSNorm over the last dimension D of x (any leading dimensions): weight (D) ⊙ x / sqrt(mean(x²) + eps).
    /// </summary>
    public static Variable RmsNorm(this Tape tape, Variable x, Variable weight, float eps)
    {
        var be = tape.Backend;
        var xs = Rows(x.Value);
        var rstd = tape.Scratch(new Shape(xs.Shape[0]));
        var output = tape.Result(be.Empty(x.Shape), x.RequiresGrad || weight.RequiresGrad, "rms_norm");
        be.RmsNorm(xs, weight.Value, eps, Rows(output.Value), rstd);
        tape.Record(output, g => be.RmsNormBackward(xs, weight.Value, rstd, Rows(g), Rows(GradOrScratch(tape, x)), GradOrScratch(tape, weight), x.RequiresGrad ? 1f : 0f));
        return output;
    }

    /// <summary>
    /// Rotary position embedding (HF's rotate_half) of x (N × H·headDim, or any leading dimensions
    /// whose rows number N), one position per row; see <see cref="Backends.IBackend.Rope"/>. Its
    /// backward is the inverse rotation.
    /// </summary>
    public static Variable Rope(this Tape tape, Variable x, int[] positions, int headDim, float theta, float positionScale = 1f)
    {
        var be = tape.Backend;
        var output = tape.Result(be.Empty(x.Shape), x.RequiresGrad, "rope");
        be.Rope(Rows(x.Value), positions, headDim, theta, positionScale, Rows(output.Value), inverse: false);
        tape.Record(output, g =>
        {
            var rotated = tape.Scratch(g.Shape);
            be.Rope(Rows(g), positions, headDim, theta, positionScale, Rows(rotated), inverse: true);
            be.Axpby(1f, rotated, 1f, tape.GradOf(x));
        });
        return output;
    }

    /// <summary>A contiguous tensor as a matrix of rows along its last dimension (itself when 2-D, or when it cannot be).</summary>
    private static Tensor Rows(Tensor t)
    {
        if (t.Shape.Rank == 2 || t.Shape.Rank == 0 || t.Shape[-1] == 0 || !t.IsContiguous)
        {
            return t;
        }
        return t.Reshape((int)(t.Count / t.Shape[-1]), t.Shape[-1]);
    }
}
