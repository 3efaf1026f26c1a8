using PRoLoRA.Native.Backends.Cuda;
using PRoLoRA.Native.Cuda.Handles;

namespace PRoLoRA.Bench;

/// <summary>
/// Device time of a call on the GPU: CUDA events recorded on the backend's stream before and after
/// it, then waited for. Everything the call queues on that stream (kernels, cuBLAS, copies) is timed.
/// </summary>
internal sealed class CudaTiming : IClock
{
    private readonly CudaDevice _device;
    private readonly EventHandle _start;
    private readonly EventHandle _stop;

    public CudaTiming(CudaBackend backend)
    {
        _device = backend.Device as CudaDevice
            ?? throw new ArgumentException($"{backend.Name} is not a real GPU: CUDA events need one", nameof(backend));
        _device.Context.MakeCurrent();
        _start = EventHandle.Create(_device.Context);
        _stop = EventHandle.Create(_device.Context);
    }

    /// <inheritdoc/>
    public double Time(Action call)
    {
        _device.Synchronize();
        _start.Record(_device.Stream);
        call();
        _device.Context.MakeCurrent();
        _stop.Record(_device.Stream);
        _stop.Synchronize();
        return _stop.ElapsedSince(_start);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _start.Dispose();
        _stop.Dispose();
    }
}
