using PRoLoRA.Native.Cuda.Interop;

namespace PRoLoRA.Native.Cuda.Handles;

/// <summary>A CUevent, for timing or to wait for one point of a stream; released with cuEventDestroy.</summary>
internal sealed unsafe class EventHandle : ContextBoundHandle
{
    private EventHandle(ContextHandle context) : base(context)
    {
    }

    /// <summary>Creates an event: with timing (the default) or, cheaper, only to wait for (<paramref name="timing"/> false).</summary>
    public static EventHandle Create(ContextHandle context, bool timing = true)
    {
        var cuEvent = new EventHandle(context);
        IntPtr value;
        int status = DriverApi.EventCreate(&value, timing ? 0u : DriverApi.EventDisableTiming);
        if (status != 0)
        {
            cuEvent.Abandon();
            CudaCheck.Driver(status, "cuEventCreate");
        }
        cuEvent.Set(value);
        return cuEvent;
    }

    /// <summary>Records the event on <paramref name="stream"/>.</summary>
    public void Record(StreamHandle stream) => CudaCheck.Driver(DriverApi.EventRecord(handle, stream.DangerousGetHandle()), "cuEventRecord");

    /// <summary>Waits until the event has happened.</summary>
    public void Synchronize() => CudaCheck.Driver(DriverApi.EventSynchronize(handle), "cuEventSynchronize");

    /// <summary>Milliseconds between <paramref name="start"/> and this event (both recorded and complete).</summary>
    public float ElapsedSince(EventHandle start)
    {
        float ms;
        CudaCheck.Driver(DriverApi.EventElapsedTime(&ms, start.DangerousGetHandle(), handle), "cuEventElapsedTime");
        return ms;
    }

    /// <inheritdoc/>
    protected override bool Release(IntPtr value) => DriverApi.EventDestroy(value) == 0;
}
