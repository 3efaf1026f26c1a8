using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cuda;

/// <summary>Launchers of elementwise.cu: one thread per element, contiguous operands.</summary>
public sealed partial class CudaBackend
{
    /// <inheritdoc/>
    public unsafe void Fill(Tensor x, float value)
    {
        ThrowIfDisposed();
        int n = Int(OpChecks.Fill(this, x), nameof(x));
        IntPtr px = Ptr(x);
        Launch("fill", n, [(IntPtr)(&px), (IntPtr)(&n), (IntPtr)(&value)]);
    }

    /// <inheritdoc/>
    public unsafe void Axpby(float alpha, Tensor x, float beta, Tensor y)
    {
        ThrowIfDisposed();
        int n = Int(OpChecks.Axpby(this, x, y), nameof(x));
        IntPtr px = Ptr(x), py = Ptr(y);
        Launch("axpby", n, [(IntPtr)(&alpha), (IntPtr)(&px), (IntPtr)(&beta), (IntPtr)(&py), (IntPtr)(&n)]);
    }

    /// <inheritdoc/>
    public unsafe void Mul(Tensor a, Tensor b, Tensor output)
    {
        ThrowIfDisposed();
        int n = Int(OpChecks.Mul(this, a, b, output), nameof(a));
        IntPtr pa = Ptr(a), pb = Ptr(b), po = Ptr(output);
        Launch("mul", n, [(IntPtr)(&pa), (IntPtr)(&pb), (IntPtr)(&po), (IntPtr)(&n)]);
    }

    /// <inheritdoc/>
    public unsafe void Dropout(Tensor x, float p, ulong seed, Tensor mask, Tensor output)
    {
        ThrowIfDisposed();
        int n = Int(OpChecks.Dropout(this, x, p, mask, output), nameof(x));
        IntPtr px = Ptr(x), pm = Ptr(mask), po = Ptr(output);
        Launch("dropout", n, [(IntPtr)(&px), (IntPtr)(&p), (IntPtr)(&seed), (IntPtr)(&pm), (IntPtr)(&po), (IntPtr)(&n)]);
    }

    /// <inheritdoc/>
    public unsafe void AddRowVector(Tensor x, Tensor bias, Tensor output)
    {
        ThrowIfDisposed();
        var (rows, cols) = OpChecks.AddRowVector(this, x, bias, output);
        IntPtr px = Ptr(x), pb = Ptr(bias), po = Ptr(output);
        Launch("add_row_vector", Int(x.Count, nameof(x)), [(IntPtr)(&px), (IntPtr)(&pb), (IntPtr)(&po), (IntPtr)(&rows), (IntPtr)(&cols)]);
    }

    /// <inheritdoc/>
    public unsafe void Relu(Tensor x, Tensor output)
    {
        ThrowIfDisposed();
        int n = Int(OpChecks.Unary(this, x, output), nameof(x));
        IntPtr px = Ptr(x), po = Ptr(output);
        Launch("relu", n, [(IntPtr)(&px), (IntPtr)(&po), (IntPtr)(&n)]);
    }

    /// <inheritdoc/>
    public unsafe void ReluBackward(Tensor x, Tensor dy, Tensor dx, float beta)
    {
        ThrowIfDisposed();
        int n = Int(OpChecks.UnaryBackward(this, x, dy, dx), nameof(x));
        IntPtr px = Ptr(x), pdy = Ptr(dy), pdx = Ptr(dx);
        Launch("relu_backward", n, [(IntPtr)(&px), (IntPtr)(&pdy), (IntPtr)(&pdx), (IntPtr)(&n), (IntPtr)(&beta)]);
    }

    /// <inheritdoc/>
    public unsafe void Silu(Tensor x, Tensor output)
    {
        ThrowIfDisposed();
        int n = Int(OpChecks.Unary(this, x, output), nameof(x));
        IntPtr px = Ptr(x), po = Ptr(output);
        Launch("silu", n, [(IntPtr)(&px), (IntPtr)(&po), (IntPtr)(&n)]);
    }

    /// <inheritdoc/>
    public unsafe void SiluBackward(Tensor x, Tensor dy, Tensor dx, float beta)
    {
        ThrowIfDisposed();
        int n = Int(OpChecks.UnaryBackward(this, x, dy, dx), nameof(x));
        IntPtr px = Ptr(x), pdy = Ptr(dy), pdx = Ptr(dx);
        Launch("silu_backward", n, [(IntPtr)(&px), (IntPtr)(&pdy), (IntPtr)(&pdx), (IntPtr)(&n), (IntPtr)(&beta)]);
    }
}
