namespace PRoLoRA.Native.Cuda;

/// <summary>One kernel file compiled for one target.</summary>
/// <param name="FileName">The .cu file.</param>
/// <param name="Target">What it was compiled for.</param>
/// <param name="Image">The cubin, or the NUL-terminated PTX text.</param>
/// <param name="FromCache">True when the image came from the on-disk cache.</param>
internal sealed record CompiledKernel(string FileName, KernelTarget Target, byte[] Image, bool FromCache);
