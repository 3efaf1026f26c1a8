namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>The micro-kernels <see cref="CpuGemm.KernelFor"/> chooses between.</summary>
internal enum GemmKernelKind
{
    /// <summary><see cref="GemmKernel256"/> (and <see cref="GemmSmallM"/> for a short C).</summary>
    Avx2,

    /// <summary><see cref="GemmKernel512"/>, 16×16.</summary>
    Avx512,

    /// <summary><see cref="GemmKernel512x32"/>, 12×32.</summary>
    Avx512x32,
}
