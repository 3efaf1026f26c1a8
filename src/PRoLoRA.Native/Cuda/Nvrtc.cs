using System.Text;
using PRoLoRA.Native.Cuda.Handles;
using PRoLoRA.Native.Cuda.Interop;

namespace PRoLoRA.Native.Cuda;

/// <summary>The NVRTC runtime compiler: version, supported architectures, and compiling one program with in-memory headers.</summary>
internal static unsafe class Nvrtc
{
    private static readonly Lazy<(int Major, int Minor)> s_version = new(() =>
    {
        CudaLibraries.Nvrtc.EnsureFound();
        int major, minor;
        CudaCheck.Nvrtc(NvrtcApi.Version(&major, &minor), "nvrtcVersion");
        return (major, minor);
    });

    private static readonly Lazy<IReadOnlyList<int>> s_archs = new(() =>
    {
        CudaLibraries.Nvrtc.EnsureFound();
        try
        {
            int count;
            CudaCheck.Nvrtc(NvrtcApi.GetNumSupportedArchs(&count), "nvrtcGetNumSupportedArchs");
            var archs = new int[count];
            fixed (int* p = archs)
            {
                CudaCheck.Nvrtc(NvrtcApi.GetSupportedArchs(p), "nvrtcGetSupportedArchs");
            }
            return archs.Order().ToArray();
        }
        catch (EntryPointNotFoundException)
        {
            return [];
        }
    });

    /// <summary>NVRTC's version (throws <see cref="CudaException"/> when the library is missing).</summary>
    public static (int Major, int Minor) Version => s_version.Value;

    /// <summary>The real architectures NVRTC can compile for, ascending (for example 35…90); empty when the library cannot say (before 11.2).</summary>
    public static IReadOnlyList<int> SupportedArchs => s_archs.Value;

    /// <summary>
    /// Compiles <paramref name="source"/> and returns the cubin (<paramref name="cubin"/>) or the NUL-terminated PTX.
    /// A compile error throws <see cref="CudaException"/> carrying NVRTC's log (which names file and line).
    /// </summary>
    public static (byte[] Image, string Log) Compile(string source, string name, IReadOnlyList<KeyValuePair<string, string>> headers, IReadOnlyList<string> options, bool cubin)
    {
        CudaLibraries.Nvrtc.EnsureFound();
        using var strings = new Utf8Strings();
        var headerText = new byte*[Math.Max(headers.Count, 1)];
        var headerNames = new byte*[Math.Max(headers.Count, 1)];
        for (int i = 0; i < headers.Count; i++)
        {
            headerText[i] = strings.Add(headers[i].Value);
            headerNames[i] = strings.Add(headers[i].Key);
        }
        var optionPointers = new byte*[Math.Max(options.Count, 1)];
        for (int i = 0; i < options.Count; i++)
        {
            optionPointers[i] = strings.Add(options[i]);
        }

        using var program = new NvrtcProgramHandle();
        IntPtr created;
        fixed (byte** h = headerText, hn = headerNames)
        {
            CudaCheck.Nvrtc(NvrtcApi.CreateProgram(&created, strings.Add(source), strings.Add(name), headers.Count, h, hn), "nvrtcCreateProgram", name);
        }
        program.Own(created);
        IntPtr p = created;
        int status;
        fixed (byte** o = optionPointers)
        {
            status = NvrtcApi.CompileProgram(p, options.Count, o);
        }
        string log = Log(p);
        CudaCheck.Nvrtc(status, "nvrtcCompileProgram", $"compiling {name} with {string.Join(' ', options)}:\n{log}");
        return (cubin ? Cubin(p) : Ptx(p), log);
    }

    private static string Log(IntPtr program)
    {
        nuint size;
        CudaCheck.Nvrtc(NvrtcApi.GetProgramLogSize(program, &size), "nvrtcGetProgramLogSize");
        var bytes = new byte[(int)size];
        fixed (byte* b = bytes)
        {
            CudaCheck.Nvrtc(NvrtcApi.GetProgramLog(program, b), "nvrtcGetProgramLog");
        }
        return Encoding.UTF8.GetString(bytes).TrimEnd('\0').Trim();
    }

    private static byte[] Ptx(IntPtr program)
    {
        nuint size;
        CudaCheck.Nvrtc(NvrtcApi.GetPtxSize(program, &size), "nvrtcGetPTXSize");
        var bytes = new byte[(int)size];
        fixed (byte* b = bytes)
        {
            CudaCheck.Nvrtc(NvrtcApi.GetPtx(program, b), "nvrtcGetPTX");
        }
        return bytes;
    }

    private static byte[] Cubin(IntPtr program)
    {
        nuint size;
        CudaCheck.Nvrtc(NvrtcApi.GetCubinSize(program, &size), "nvrtcGetCUBINSize");
        var bytes = new byte[(int)size];
        fixed (byte* b = bytes)
        {
            CudaCheck.Nvrtc(NvrtcApi.GetCubin(program, b), "nvrtcGetCUBIN");
        }
        return bytes;
    }
}
