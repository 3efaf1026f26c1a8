using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cuda;

/// <summary>Launcher of adamw.cu: one thread per parameter; bias corrections computed on the host.</summary>
public sealed partial class CudaBackend
{
    /// <inheritdoc/>
    public unsafe void AdamW(Tensor param, Tensor grad, Tensor m, Tensor v, AdamWStep step)
    {
        ThrowIfDisposed();
        int n = Int(OpChecks.AdamW(this, param, grad, m, v), nameof(param));
        IntPtr pp = Ptr(param), pg = Ptr(grad), pm = Ptr(m), pv = Ptr(v);
        float lr = step.LearningRate, b1 = step.Beta1, b2 = step.Beta2, eps = step.Epsilon, wd = step.WeightDecay;
        float c1 = step.BiasCorrection1, c2 = step.BiasCorrection2;
        Launch("adamw", n,
        [
            (IntPtr)(&pp), (IntPtr)(&pg), (IntPtr)(&pm), (IntPtr)(&pv), (IntPtr)(&n),
            (IntPtr)(&lr), (IntPtr)(&b1), (IntPtr)(&b2), (IntPtr)(&eps), (IntPtr)(&wd), (IntPtr)(&c1), (IntPtr)(&c2),
        ]);
    }
}
