using System.Text;
using PRoLoRA.Native.Cuda.Interop;

namespace PRoLoRA.Native.Cuda.Handles;

/// <summary>A loaded CUmodule; released with cuModuleUnload.</summary>
internal sealed unsafe class CudaModuleHandle : ContextBoundHandle
{
    private const int LogBytes = 16 * 1024;

    private CudaModuleHandle(ContextHandle context) : base(context)
    {
    }

    /// <summary>
    /// Loads a cubin or a NUL-terminated PTX image (cuModuleLoadDataEx); the driver JIT-compiles PTX.
    /// A failure carries the JIT error log.
    /// </summary>
    public static CudaModuleHandle Load(ContextHandle context, byte[] image, string name)
    {
        var module = new CudaModuleHandle(context);
        var errorLog = new byte[LogBytes];
        var infoLog = new byte[LogBytes];
        IntPtr value;
        int status;
        fixed (byte* image0 = image)
        fixed (byte* error0 = errorLog)
        fixed (byte* info0 = infoLog)
        {
            int* options = stackalloc int[] { JitOption.ErrorLogBuffer, JitOption.ErrorLogBufferSizeBytes, JitOption.InfoLogBuffer, JitOption.InfoLogBufferSizeBytes };
            void** values = stackalloc void*[] { error0, (void*)(nint)LogBytes, info0, (void*)(nint)LogBytes };
            status = DriverApi.ModuleLoadDataEx(&value, image0, 4, options, values);
        }
        if (status != 0)
        {
            module.Abandon();
            CudaCheck.Driver(status, "cuModuleLoadDataEx", $"module {name}; JIT log: {CString(errorLog)} {CString(infoLog)}".TrimEnd());
        }
        module.Set(value);
        return module;
    }

    /// <summary>The kernel <paramref name="name"/> (extern "C"), or zero when the module has none of that name.</summary>
    public IntPtr TryGetFunction(string name)
    {
        IntPtr function;
        int status = DriverApi.ModuleGetFunction(&function, handle, name);
        if (status == DriverApi.ErrorNotFound)
        {
            return IntPtr.Zero;
        }
        CudaCheck.Driver(status, "cuModuleGetFunction", $"kernel {name}");
        return function;
    }

    /// <inheritdoc/>
    protected override bool Release(IntPtr value) => DriverApi.ModuleUnload(value) == 0;

    private static string CString(byte[] bytes)
    {
        int end = Array.IndexOf(bytes, (byte)0);
        return Encoding.UTF8.GetString(bytes, 0, end < 0 ? bytes.Length : end).Trim();
    }
}
