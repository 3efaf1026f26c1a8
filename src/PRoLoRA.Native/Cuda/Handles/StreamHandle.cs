using PRoLoRA.Native.Cuda.Interop;

namespace PRoLoRA.Native.Cuda.Handles;

/// <summary>A CUstream; released with cuStreamDestroy.</summary>
internal sealed unsafe class StreamHandle : ContextBoundHandle
{
    private StreamHandle(ContextHandle context) : base(context)
    {
    }

    /// <summary>Creates a stream that does not synchronise with the legacy default stream.</summary>
    public static StreamHandle Create(ContextHandle context)
    {
        var stream = new StreamHandle(context);
        IntPtr value;
        int status = DriverApi.StreamCreate(&value, DriverApi.StreamNonBlocking);
        if (status != 0)
        {
            stream.Abandon();
            CudaCheck.Driver(status, "cuStreamCreate");
        }
        stream.Set(value);
        return stream;
    }

    /// <summary>Waits for all work queued on the stream.</summary>
    public void Synchronize() => CudaCheck.Driver(DriverApi.StreamSynchronize(handle), "cuStreamSynchronize");

    /// <inheritdoc/>
    protected override bool Release(IntPtr value) => DriverApi.StreamDestroy(value) == 0;
}
