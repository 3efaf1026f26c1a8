using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Tests.Optim;

/// <summary>Parameters with given values and gradients on the CPU backend.</summary>
internal static class OptimTestData
{
    public static Variable Param(float[] value, float[]? grad = null, string name = "p")
    {
        var be = CpuBackend.Instance;
        var p = Variable.Parameter(be.FromArray(value, new Shape(value.Length)), name);
        if (grad is not null)
        {
            p.Grad = be.FromArray(grad, new Shape(grad.Length));
        }
        return p;
    }

    public static void SetGrad(Variable p, float[] grad) => CpuBackend.Instance.CopyFromHost(grad, p.Grad ??= CpuBackend.Instance.Zeros(p.Shape));
}
