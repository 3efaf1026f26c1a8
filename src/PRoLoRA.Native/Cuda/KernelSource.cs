namespace PRoLoRA.Native.Cuda;

/// <summary>A CUDA C source: a kernel file (<c>.cu</c>) or a header (<c>.cuh</c>).</summary>
/// <param name="FileName">The file name, for example "elementwise.cu"; headers are included by this name.</param>
/// <param name="Text">The source text.</param>
internal sealed record KernelSource(string FileName, string Text)
{
    /// <summary>True for a header (.cuh), which is passed to NVRTC in memory rather than compiled on its own.</summary>
    public bool IsHeader => FileName.EndsWith(".cuh", StringComparison.OrdinalIgnoreCase);
}
