namespace PRoLoRA.Native.Cuda;

/// <summary>
/// A failed CUDA driver, NVRTC or cuBLAS call (or a CUDA library that cannot be loaded).
/// The message names the call and the library's own name for the error.
/// </summary>
public sealed class CudaException : ProLoraException
{
    /// <summary>Creates the exception.</summary>
    public CudaException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception for a failed call.</summary>
    /// <param name="call">The API function that failed, for example "cuMemAlloc".</param>
    /// <param name="status">Its numeric status.</param>
    /// <param name="error">The library's name and description of the status.</param>
    /// <param name="detail">More context (a compile log, a JIT log), or null.</param>
    public CudaException(string call, int status, string error, string? detail = null)
        : base(Format(call, status, error, detail))
    {
        Call = call;
        Status = status;
    }

    /// <summary>The API function that failed, or null when the exception is not about one call.</summary>
    public string? Call { get; }

    /// <summary>The status the call returned (0 when not about one call).</summary>
    public int Status { get; }

    private static string Format(string call, int status, string error, string? detail)
    {
        var text = $"{call} failed: {error} ({status})";
        return string.IsNullOrWhiteSpace(detail) ? text : $"{text}\n{detail.TrimEnd()}";
    }
}
