using System.Collections;
using System.Runtime.InteropServices;

namespace PRoLoRA.Native.Tests.HostKernels;

/// <summary>
/// Kernel arguments marshalled as cuLaunchKernel's kernelParams: each value is stored in its own
/// native 8-byte slot and <see cref="Pointers"/> holds one pointer per slot, in order. Written with
/// a collection initializer, so a launch reads like the kernel's signature:
/// <c>new KernelArgs { x, n, 2.5f }</c>. The overload picks the C type, so pass exactly
/// int, float, ulong or a <see cref="DeviceArray{T}"/> (a pointer) as the kernel declares.
/// </summary>
internal sealed unsafe class KernelArgs : IEnumerable<IntPtr>, IDisposable
{
    private const int Capacity = 32;
    private readonly List<IntPtr> _pointers = [];
    private ulong* _slots = (ulong*)NativeMemory.AllocZeroed(Capacity, sizeof(ulong));

    /// <summary>One pointer to each argument's value.</summary>
    public ReadOnlySpan<IntPtr> Pointers => CollectionsMarshal.AsSpan(_pointers);

    /// <summary>An <c>int</c> argument.</summary>
    public void Add(int value) => Put(value);

    /// <summary>A <c>float</c> argument.</summary>
    public void Add(float value) => Put(value);

    /// <summary>An <c>unsigned long long</c> argument.</summary>
    public void Add(ulong value) => Put(value);

    /// <summary>A raw device pointer argument.</summary>
    public void Add(IntPtr pointer) => Put(pointer);

    /// <summary>A pointer argument: the array's device address.</summary>
    public void Add<T>(DeviceArray<T> array)
        where T : unmanaged => Put(array.Pointer);

    private void Put<T>(T value)
        where T : unmanaged
    {
        if (_pointers.Count == Capacity)
        {
            throw new InvalidOperationException($"more than {Capacity} kernel arguments");
        }
        ulong* slot = _slots + _pointers.Count;
        *(T*)slot = value;
        _pointers.Add((IntPtr)slot);
    }

    /// <inheritdoc/>
    public IEnumerator<IntPtr> GetEnumerator() => _pointers.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    public void Dispose()
    {
        NativeMemory.Free(_slots);
        _slots = null;
    }
}
