using PRoLoRA.Native.Backends.Cuda;

namespace PRoLoRA.Native.Tests.HostKernels;

/// <summary>An array of <typeparamref name="T"/> in an <see cref="IKernelDevice"/>'s memory.</summary>
internal sealed unsafe class DeviceArray<T> : IDisposable
    where T : unmanaged
{
    private readonly IKernelDevice _device;

    private DeviceArray(IKernelDevice device, int length)
    {
        _device = device;
        Length = length;
        Pointer = device.Allocate(Bytes);
    }

    /// <summary>The device address, as passed to kernels.</summary>
    public IntPtr Pointer { get; private set; }

    /// <summary>Number of elements.</summary>
    public int Length { get; }

    private long Bytes => (long)Length * sizeof(T);

    /// <summary>A new device array holding a copy of <paramref name="values"/>.</summary>
    public static DeviceArray<T> Upload(IKernelDevice device, ReadOnlySpan<T> values)
    {
        var array = new DeviceArray<T>(device, values.Length);
        fixed (T* source = values)
        {
            device.CopyHostToDevice(array.Pointer, source, array.Bytes);
        }
        return array;
    }

    /// <summary>A host copy of the elements.</summary>
    public T[] Download()
    {
        var values = new T[Length];
        fixed (T* destination = values)
        {
            _device.CopyDeviceToHost(destination, Pointer, Bytes);
        }
        return values;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Pointer != IntPtr.Zero)
        {
            _device.Free(Pointer);
            Pointer = IntPtr.Zero;
        }
    }
}
