using PRoLoRA.Native.Cuda;
using PRoLoRA.Native.Cuda.Handles;
using PRoLoRA.Native.Cuda.Interop;

namespace PRoLoRA.Native.Backends.Cuda;

/// <summary>
/// Host→device copies of up to <see cref="Bytes"/> that do not wait for the stream to drain. The
/// source is copied into a page-locked staging buffer first, so the caller may free or overwrite its
/// own memory as soon as the call returns, and the copy from there is queued on the stream, ordered
/// with the work before and after it. The next upload waits only until that copy has left the buffer
/// (an event recorded after it), not for everything queued since.
/// </summary>
internal sealed unsafe class StagedUploads : IDisposable
{
    /// <summary>The largest upload that goes through the staging buffer (ids, targets, small tensors).</summary>
    public const long Bytes = 1 << 20;

    private readonly PinnedHostMemoryHandle _buffer;
    private readonly EventHandle _copied;
    private readonly Lock _gate = new();
    private bool _pending;

    /// <summary>Allocates the buffer and its event in <paramref name="context"/> (current on the calling thread).</summary>
    public StagedUploads(ContextHandle context)
    {
        _buffer = PinnedHostMemoryHandle.Allocate(context, Bytes);
        try
        {
            _copied = EventHandle.Create(context, timing: false);
        }
        catch
        {
            _buffer.Dispose();
            throw;
        }
    }

    /// <summary>Queues the copy of <paramref name="bytes"/> (at most <see cref="Bytes"/>) from <paramref name="source"/> on <paramref name="stream"/>; the context must be current.</summary>
    public void Copy(IntPtr destination, void* source, long bytes, StreamHandle stream)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bytes, Bytes);
        lock (_gate)
        {
            if (_pending)
            {
                _copied.Synchronize();
            }
            Buffer.MemoryCopy(source, _buffer.Pointer, Bytes, bytes);
            CudaCheck.Driver(DriverApi.MemcpyHtoDAsync(destination, _buffer.Pointer, (nuint)bytes, stream.DangerousGetHandle()), "cuMemcpyHtoDAsync");
            _pending = true;
            _copied.Record(stream);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _copied.Dispose();
        _buffer.Dispose();
    }
}
