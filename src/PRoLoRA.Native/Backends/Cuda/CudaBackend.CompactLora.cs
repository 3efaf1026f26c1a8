using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cuda;

/// <summary>Launchers of compact_lora.cu: one thread per output element on a 1-D grid; the shift is reduced mod rs on the host.</summary>
public sealed partial class CudaBackend
{
    /// <inheritdoc/>
    public unsafe void RollReduce(Tensor p, Tensor h, int copies, int shift, float beta)
    {
        ThrowIfDisposed();
        var (rows, rs) = OpChecks.RollReduce(this, p, h, copies, shift);
        Int(p.Count, nameof(p));
        IntPtr pp = Ptr(p), ph = Ptr(h);
        int roll = rs > 0 ? shift % rs : 0;
        Launch("roll_reduce", Int(h.Count, nameof(h)),
            [(IntPtr)(&pp), (IntPtr)(&ph), (IntPtr)(&rows), (IntPtr)(&rs), (IntPtr)(&copies), (IntPtr)(&roll), (IntPtr)(&beta)]);
    }

    /// <inheritdoc/>
    public unsafe void RollSpread(Tensor h, Tensor g, int copies, int shift)
    {
        ThrowIfDisposed();
        var (rows, rs) = OpChecks.RollSpread(this, h, g, copies, shift);
        IntPtr ph = Ptr(h), pg = Ptr(g);
        int roll = rs > 0 ? shift % rs : 0;
        Launch("roll_spread", Int(g.Count, nameof(g)),
            [(IntPtr)(&ph), (IntPtr)(&pg), (IntPtr)(&rows), (IntPtr)(&rs), (IntPtr)(&copies), (IntPtr)(&roll)]);
    }
}
