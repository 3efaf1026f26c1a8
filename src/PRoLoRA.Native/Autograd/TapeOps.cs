using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Autograd;

/// <summary>
/// The differentiable ops. Each computes its value on the tape's backend and, when an input
/// requires a gradient, records a closure that accumulates (beta = 1) into the inputs' gradients.
/// LLaMA's ops are in TapeOps.Llama.cs (Mul, RmsNorm, Rope) and TapeOps.Attention.cs.
/// </summary>
public static partial class TapeOps
{
    /// <summary>alpha · op(a) · op(b), op = transpose where asked.</summary>
    public static Variable MatMul(this Tape tape, Variable a, Variable b, bool transA = false, bool transB = false, float alpha = 1f)
    {
        var (va, vb) = MatMulOperands(a, b, transA, transB);
        var output = tape.Result(tape.Backend.Empty(new Shape(va.Rows, vb.Cols)), a.RequiresGrad || b.RequiresGrad, "matmul");
        tape.Backend.Gemm(va, vb, output.Value, alpha, 0f);
        tape.Record(output, g => MatMulBackward(tape, a, b, va, vb, transA, transB, alpha, g));
        return output;
    }

    /// <summary>
    /// c + alpha · op(a) · op(b) (torch's addmm): one product accumulated onto a copy of c, without the
    /// separate product tensor and sum that <see cref="MatMul"/> followed by <see cref="Add"/> would make.
    /// </summary>
    public static Variable AddMatMul(this Tape tape, Variable c, Variable a, Variable b, bool transA = false, bool transB = false, float alpha = 1f)
    {
        var be = tape.Backend;
        var (va, vb) = MatMulOperands(a, b, transA, transB);
        if (c.Shape != new Shape(va.Rows, vb.Cols))
        {
            throw new ArgumentException($"addmatmul: c has shape {c.Shape} but the product is {va.Rows}×{vb.Cols}");
        }
        var output = tape.Result(be.Empty(c.Shape), c.RequiresGrad || a.RequiresGrad || b.RequiresGrad, "addmatmul");
        be.Copy(c.Value, output.Value);
        be.Gemm(va, vb, output.Value, alpha, 1f);
        tape.Record(output, g =>
        {
            if (c.RequiresGrad)
            {
                be.Axpby(1f, g, 1f, tape.GradOf(c));
            }
            MatMulBackward(tape, a, b, va, vb, transA, transB, alpha, g);
        });
        return output;
    }

    /// <summary>op(a) and op(b) as views, after checking that they can be multiplied.</summary>
    private static (Tensor A, Tensor B) MatMulOperands(Variable a, Variable b, bool transA, bool transB)
    {
        var va = transA ? a.Value.T : a.Value;
        var vb = transB ? b.Value.T : b.Value;
        if (va.Cols != vb.Rows)
        {
            throw new ArgumentException($"matmul: {(transA ? "aᵀ" : "a")} {va.Shape} and {(transB ? "bᵀ" : "b")} {vb.Shape} disagree on the inner dimension");
        }
        return (va, vb);
    }

    /// <summary>Accumulates the gradients of a and b from g, the gradient of alpha · op(a) · op(b) (va = op(a), vb = op(b)).</summary>
    private static void MatMulBackward(Tape tape, Variable a, Variable b, Tensor va, Tensor vb, bool transA, bool transB, float alpha, Tensor g)
    {
        var be = tape.Backend;
        if (a.RequiresGrad)
        {
            // d op(a) = g · op(b)ᵀ; stored transposed, da = op(b) · gᵀ.
            if (transA)
            {
                be.Gemm(vb, g.T, tape.GradOf(a), alpha, 1f);
            }
            else
            {
                be.Gemm(g, vb.T, tape.GradOf(a), alpha, 1f);
            }
        }
        if (b.RequiresGrad)
        {
            if (transB)
            {
                be.Gemm(g.T, va, tape.GradOf(b), alpha, 1f);
            }
            else
            {
                be.Gemm(va.T, g, tape.GradOf(b), alpha, 1f);
            }
        }
    }

    /// <summary>a + b (same shape).</summary>
    public static Variable Add(this Tape tape, Variable a, Variable b)
    {
        var be = tape.Backend;
        if (a.Shape != b.Shape)
        {
            throw new ArgumentException($"add: a has shape {a.Shape} but b has shape {b.Shape}");
        }
        var output = tape.Result(be.Empty(a.Shape), a.RequiresGrad || b.RequiresGrad, "add");
        be.Copy(a.Value, output.Value);
        be.Axpby(1f, b.Value, 1f, output.Value);
        tape.Record(output, g =>
        {
            if (a.RequiresGrad)
            {
                be.Axpby(1f, g, 1f, tape.GradOf(a));
            }
            if (b.RequiresGrad)
            {
                be.Axpby(1f, g, 1f, tape.GradOf(b));
            }
        });
        return output;
    }

    /// <summary>s · a.</summary>
    public static Variable Scale(this Tape tape, Variable a, float s)
    {
        var be = tape.Backend;
        var output = tape.Result(be.Empty(a.Shape), a.RequiresGrad, "scale");
        be.Axpby(s, a.Value, 0f, output.Value);
        tape.Record(output, g => be.Axpby(s, g, 1f, tape.GradOf(a)));
        return output;
    }

    /// <summary>x (N×D) + bias (D) on every row.</summary>
    public static Variable AddRowVector(this Tape tape, Variable x, Variable bias)
    {
        var be = tape.Backend;
        var output = tape.Result(be.Empty(x.Shape), x.RequiresGrad || bias.RequiresGrad, "add_bias");
        be.AddRowVector(x.Value, bias.Value, output.Value);
        tape.Record(output, g =>
        {
            if (x.RequiresGrad)
            {
                be.Axpby(1f, g, 1f, tape.GradOf(x));
            }
            if (bias.RequiresGrad)
            {
                be.SumRows(g, tape.GradOf(bias), 1f);
            }
        });
        return output;
    }

    /// <summary>A view with another shape (same element count).</summary>
    public static Variable Reshape(this Tape tape, Variable x, params int[] dims)
    {
        var output = tape.Result(x.Value.Reshape(dims), x.RequiresGrad, "reshape");
        tape.Record(output, g => tape.Backend.Axpby(1f, g.Reshape(x.Shape.ToArray()), 1f, tape.GradOf(x)));
        return output;
    }

    /// <summary>PRoLoRA's full A (r×in) from chunk_a (rs×cs_a) and vec_a (u×in).</summary>
    public static Variable BroadcastRollA(this Tape tape, Variable chunkA, Variable vecA, int shift)
    {
        var be = tape.Backend;
        var output = tape.Result(be.Empty(new Shape(chunkA.Shape[0] + vecA.Shape[0], vecA.Shape[1])), chunkA.RequiresGrad || vecA.RequiresGrad, "lora_a");
        be.BroadcastRoll(chunkA.Value, vecA.Value, output.Value, shift);
        tape.Record(output, g => be.BroadcastRollGrad(g, GradOrScratch(tape, chunkA), GradOrScratch(tape, vecA), shift, 1f));
        return output;
    }

    /// <summary>PRoLoRA's full B (out×r) from chunk_b (cs_b×rs) and vec_b (u×out), built as Bᵀ through views.</summary>
    public static Variable BroadcastRollB(this Tape tape, Variable chunkB, Variable vecB, int shift)
    {
        var be = tape.Backend;
        var output = tape.Result(be.Empty(new Shape(vecB.Shape[1], chunkB.Shape[1] + vecB.Shape[0])), chunkB.RequiresGrad || vecB.RequiresGrad, "lora_b");
        be.BroadcastRoll(chunkB.Value.T, vecB.Value, output.Value.T, shift);
        tape.Record(output, g => be.BroadcastRollGrad(g.T, GradOrScratch(tape, chunkB).T, GradOrScratch(tape, vecB), shift, 1f));
        return output;
    }

    /// <summary>Inverted dropout with probability p; the identity when p = 0 or outside recording.</summary>
    public static Variable Dropout(this Tape tape, Variable x, float p, ulong seed)
    {
        if (p == 0f || !tape.IsRecording)
        {
            return x;
        }
        var be = tape.Backend;
        var mask = tape.Scratch(x.Shape);
        var output = tape.Result(be.Empty(x.Shape), x.RequiresGrad, "dropout");
        be.Dropout(x.Value, p, seed, mask, output.Value);
        tape.Record(output, g =>
        {
            be.Mul(g, mask, g);
            be.Axpby(1f, g, 1f, tape.GradOf(x));
        });
        return output;
    }

    /// <summary>max(x, 0).</summary>
    public static Variable Relu(this Tape tape, Variable x)
    {
        var be = tape.Backend;
        var output = tape.Result(be.Empty(x.Shape), x.RequiresGrad, "relu");
        be.Relu(x.Value, output.Value);
        tape.Record(output, g => be.ReluBackward(x.Value, g, tape.GradOf(x), 1f));
        return output;
    }

    /// <summary>silu(x) = x · σ(x).</summary>
    public static Variable Silu(this Tape tape, Variable x)
    {
        var be = tape.Backend;
        var output = tape.Result(be.Empty(x.Shape), x.RequiresGrad, "silu");
        be.Silu(x.Value, output.Value);
        tape.Record(output, g => be.SiluBackward(x.Value, g, tape.GradOf(x), 1f));
        return output;
    }

    /// <summary>Rows of <paramref name="table"/> (V×D) picked by <paramref name="ids"/>: (N×D).</summary>
    public static Variable Embedding(this Tape tape, Variable table, int[] ids)
    {
        var be = tape.Backend;
        var output = tape.Result(be.Empty(new Shape(ids.Length, table.Shape[1])), table.RequiresGrad, "embedding");
        be.Embedding(table.Value, ids, output.Value);
        tape.Record(output, g => be.EmbeddingBackward(g, ids, tape.GradOf(table)));
        return output;
    }

    /// <summary>
    /// Mean softmax cross-entropy of logits (N×V) against targets in [0, V); a target of −1 is ignored
    /// (the mean is over the other rows, 0 when there are none). A one-element loss.
    /// </summary>
    public static Variable SoftmaxCrossEntropy(this Tape tape, Variable logits, int[] targets)
    {
        var be = tape.Backend;
        var dLogits = tape.Scratch(logits.Shape);
        float loss = be.SoftmaxCrossEntropy(logits.Value, targets, dLogits);
        var output = tape.Result(be.FromArray([loss], new Shape(1)), logits.RequiresGrad, "cross_entropy");
        tape.Record(output, g => be.Axpby(g.ToArray()[0], dLogits, 1f, tape.GradOf(logits)));
        return output;
    }

    /// <summary>The gradient of v, or a throwaway buffer when v takes none (so a fused gradient op has somewhere to write).</summary>
    private static Tensor GradOrScratch(Tape tape, Variable v) => v.RequiresGrad ? tape.GradOf(v) : tape.Scratch(v.Shape);
}
