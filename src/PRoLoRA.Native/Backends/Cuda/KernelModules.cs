using PRoLoRA.Native.Cuda;
using PRoLoRA.Native.Cuda.Handles;

namespace PRoLoRA.Native.Backends.Cuda;

/// <summary>
/// Every kernel file compiled for one device's architecture and loaded into its context, and the
/// kernels looked up by name. A cubin that the driver refuses (a toolkit newer than the driver) is
/// replaced by PTX, which the driver JIT-compiles.
/// </summary>
internal sealed class KernelModules : IDisposable
{
    private readonly List<(string File, CudaModuleHandle Module)> _modules = [];
    private readonly Dictionary<string, IntPtr> _functions = [];
    private readonly Lock _gate = new();

    public KernelModules(ContextHandle context, KernelCompiler compiler, int arch)
    {
        Target = KernelTarget.ForDevice(arch, KernelCompiler.SupportedArchs);
        try
        {
            foreach (var source in KernelSources.Programs)
            {
                _modules.Add((source.FileName, Load(context, compiler, source)));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>What the kernels were compiled for.</summary>
    public KernelTarget Target { get; private set; }

    /// <summary>The CUfunction of kernel <paramref name="name"/>.</summary>
    public IntPtr Function(string name)
    {
        lock (_gate)
        {
            if (_functions.TryGetValue(name, out var function))
            {
                return function;
            }
            foreach (var (_, module) in _modules)
            {
                function = module.TryGetFunction(name);
                if (function != IntPtr.Zero)
                {
                    _functions[name] = function;
                    return function;
                }
            }
        }
        throw new CudaException($"no kernel named '{name}' in {string.Join(", ", _modules.Select(m => m.File))}");
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var (_, module) in _modules)
        {
            module.Dispose();
        }
        _modules.Clear();
        _functions.Clear();
    }

    private CudaModuleHandle Load(ContextHandle context, KernelCompiler compiler, KernelSource source)
    {
        var kernel = compiler.Compile(source, Target);
        try
        {
            return CudaModuleHandle.Load(context, kernel.Image, source.FileName);
        }
        catch (CudaException cubinError) when (Target.Cubin)
        {
            var ptx = Target with { Cubin = false };
            try
            {
                var module = CudaModuleHandle.Load(context, compiler.Compile(source, ptx).Image, source.FileName);
                Target = ptx;
                return module;
            }
            catch (CudaException ptxError)
            {
                throw new CudaException($"{source.FileName}: the driver loads neither the {Target} cubin ({cubinError.Message}) nor {ptx} PTX ({ptxError.Message})");
            }
        }
    }
}
