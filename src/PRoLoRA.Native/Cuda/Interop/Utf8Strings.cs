using System.Runtime.InteropServices;
using System.Text;

namespace PRoLoRA.Native.Cuda.Interop;

/// <summary>NUL-terminated UTF-8 copies of strings in native memory, freed together.</summary>
internal sealed unsafe class Utf8Strings : IDisposable
{
    private readonly List<IntPtr> _blocks = [];

    /// <summary>Copies <paramref name="text"/>; the pointer lives until <see cref="Dispose"/>.</summary>
    public byte* Add(string text)
    {
        int length = Encoding.UTF8.GetByteCount(text);
        var block = (byte*)NativeMemory.Alloc((nuint)length + 1);
        _blocks.Add((IntPtr)block);
        Encoding.UTF8.GetBytes(text, new Span<byte>(block, length));
        block[length] = 0;
        return block;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var block in _blocks)
        {
            NativeMemory.Free((void*)block);
        }
        _blocks.Clear();
    }
}
