using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cuda;

/// <summary>Launchers of elementwise.cu: one thread per element, contiguous operands.</summary>
public sealed partial class CudaBackend
{
    /// <inheritdoc/>
    public unsafe void Fill(Tensor x, float value)
    {
        ArgumentNullException.ThrowIfNull(x);
        IntPtr px = Contiguous(x, nameof(x));
        int n = Int(x.Count, nameof(x));
        Launch("fill", n, [(IntPtr)(&px), (IntPtr)(&n), (IntPtr)(&value)]);
    }

    /// <inheritdoc/>
    public unsafe void Axpby(float alpha, Tensor x, float beta, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        OpChecks.SameShape(x, nameof(x), y, nameof(y));
        IntPtr px = Contiguous(x, nameof(x)), py = Contiguous(y, nameof(y));
        int n = Int(x.Count, nameof(x));
        Launch("axpby", n, [(IntPtr)(&alpha), (IntPtr)(&px), (IntPtr)(&beta), (IntPtr)(&py), (IntPtr)(&n)]);
    }

    /// <inheritdoc/>
    public unsafe void Mul(Tensor a, Tensor b, Tensor output)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(output);
        OpChecks.SameShape(a, nameof(a), b, nameof(b));
        OpChecks.SameShape(a, nameof(a), output, nameof(output));
        IntPtr pa = Contiguous(a, nameof(a)), pb = Contiguous(b, nameof(b)), po = Contiguous(output, nameof(output));
        int n = Int(a.Count, nameof(a));
        Launch("mul", n, [(IntPtr)(&pa), (IntPtr)(&pb), (IntPtr)(&po), (IntPtr)(&n)]);
    }

    /// <inheritdoc/>
    public unsafe void Dropout(Tensor x, float p, ulong seed, Tensor mask, Tensor output)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentNullException.ThrowIfNull(output);
        if (!(p >= 0f && p < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1)");
        }
        OpChecks.SameShape(x, nameof(x), mask, nameof(mask));
        OpChecks.SameShape(x, nameof(x), output, nameof(output));
        IntPtr px = Contiguous(x, nameof(x)), pm = Contiguous(mask, nameof(mask)), po = Contiguous(output, nameof(output));
        int n = Int(x.Count, nameof(x));
        Launch("dropout", n, [(IntPtr)(&px), (IntPtr)(&p), (IntPtr)(&seed), (IntPtr)(&pm), (IntPtr)(&po), (IntPtr)(&n)]);
    }

    /// <inheritdoc/>
    public unsafe void AddRowVector(Tensor x, Tensor bias, Tensor output)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(bias);
        ArgumentNullException.ThrowIfNull(output);
        OpChecks.Rank2(x, nameof(x));
        OpChecks.SameShape(x, nameof(x), output, nameof(output));
        OpChecks.Vector(bias, x.Shape[1], nameof(bias));
        IntPtr px = Contiguous(x, nameof(x)), pb = Contiguous(bias, nameof(bias)), po = Contiguous(output, nameof(output));
        int rows = x.Shape[0], cols = x.Shape[1];
        Launch("add_row_vector", Int(x.Count, nameof(x)), [(IntPtr)(&px), (IntPtr)(&pb), (IntPtr)(&po), (IntPtr)(&rows), (IntPtr)(&cols)]);
    }

    /// <inheritdoc/>
    public unsafe void Relu(Tensor x, Tensor output)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(output);
        OpChecks.SameShape(x, nameof(x), output, nameof(output));
        IntPtr px = Contiguous(x, nameof(x)), po = Contiguous(output, nameof(output));
        int n = Int(x.Count, nameof(x));
        Launch("relu", n, [(IntPtr)(&px), (IntPtr)(&po), (IntPtr)(&n)]);
    }

    /// <inheritdoc/>
    public unsafe void ReluBackward(Tensor x, Tensor dy, Tensor dx, float beta)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(dy);
        ArgumentNullException.ThrowIfNull(dx);
        OpChecks.SameShape(x, nameof(x), dy, nameof(dy));
        OpChecks.SameShape(x, nameof(x), dx, nameof(dx));
        IntPtr px = Contiguous(x, nameof(x)), pdy = Contiguous(dy, nameof(dy)), pdx = Contiguous(dx, nameof(dx));
        int n = Int(x.Count, nameof(x));
        Launch("relu_backward", n, [(IntPtr)(&px), (IntPtr)(&pdy), (IntPtr)(&pdx), (IntPtr)(&n), (IntPtr)(&beta)]);
    }
}
