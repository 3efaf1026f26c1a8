using System.Runtime.InteropServices;

namespace PRoLoRA.Native.Cuda.Interop;

/// <summary>
/// Raw bindings of the CUDA driver API (libcuda). Every function returns a CUresult (0 = success);
/// check it with <see cref="CudaCheck.Driver"/>. Exported <c>_v2</c> names are used where the driver has them.
/// </summary>
internal static unsafe partial class DriverApi
{
    public const int AttributeMultiprocessorCount = 16;
    public const int AttributeComputeCapabilityMajor = 75;
    public const int AttributeComputeCapabilityMinor = 76;
    public const int StreamNonBlocking = 1;
    public const int EventDisableTiming = 2;
    public const int ErrorNotFound = 500;
    public const int ErrorOutOfMemory = 2;

    static DriverApi() => CudaLibraries.RegisterResolver();

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuInit")]
    public static partial int Init(uint flags);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuDriverGetVersion")]
    public static partial int DriverGetVersion(int* version);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuGetErrorName")]
    public static partial int GetErrorName(int error, byte** name);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuGetErrorString")]
    public static partial int GetErrorString(int error, byte** text);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuDeviceGetCount")]
    public static partial int DeviceGetCount(int* count);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuDeviceGet")]
    public static partial int DeviceGet(int* device, int ordinal);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuDeviceGetName")]
    public static partial int DeviceGetName(byte* name, int length, int device);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuDeviceGetAttribute")]
    public static partial int DeviceGetAttribute(int* value, int attribute, int device);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuDeviceTotalMem_v2")]
    public static partial int DeviceTotalMem(nuint* bytes, int device);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuDevicePrimaryCtxRetain")]
    public static partial int DevicePrimaryCtxRetain(IntPtr* context, int device);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuDevicePrimaryCtxRelease_v2")]
    public static partial int DevicePrimaryCtxRelease(int device);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuDevicePrimaryCtxReset_v2")]
    public static partial int DevicePrimaryCtxReset(int device);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuCtxSetCurrent")]
    public static partial int CtxSetCurrent(IntPtr context);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuCtxSynchronize")]
    public static partial int CtxSynchronize();

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuStreamCreate")]
    public static partial int StreamCreate(IntPtr* stream, uint flags);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuStreamDestroy_v2")]
    public static partial int StreamDestroy(IntPtr stream);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuStreamSynchronize")]
    public static partial int StreamSynchronize(IntPtr stream);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuStreamQuery")]
    public static partial int StreamQuery(IntPtr stream);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuEventCreate")]
    public static partial int EventCreate(IntPtr* cuEvent, uint flags);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuEventDestroy_v2")]
    public static partial int EventDestroy(IntPtr cuEvent);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuEventRecord")]
    public static partial int EventRecord(IntPtr cuEvent, IntPtr stream);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuEventSynchronize")]
    public static partial int EventSynchronize(IntPtr cuEvent);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuEventElapsedTime")]
    public static partial int EventElapsedTime(float* milliseconds, IntPtr start, IntPtr end);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuMemAlloc_v2")]
    public static partial int MemAlloc(IntPtr* pointer, nuint bytes);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuMemFree_v2")]
    public static partial int MemFree(IntPtr pointer);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuMemHostAlloc")]
    public static partial int MemHostAlloc(void** pointer, nuint bytes, uint flags);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuMemFreeHost")]
    public static partial int MemFreeHost(void* pointer);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuMemGetInfo_v2")]
    public static partial int MemGetInfo(nuint* free, nuint* total);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuMemcpyHtoDAsync_v2")]
    public static partial int MemcpyHtoDAsync(IntPtr destination, void* source, nuint bytes, IntPtr stream);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuMemcpyDtoHAsync_v2")]
    public static partial int MemcpyDtoHAsync(void* destination, IntPtr source, nuint bytes, IntPtr stream);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuMemcpyDtoDAsync_v2")]
    public static partial int MemcpyDtoDAsync(IntPtr destination, IntPtr source, nuint bytes, IntPtr stream);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuMemsetD8Async")]
    public static partial int MemsetD8Async(IntPtr destination, byte value, nuint count, IntPtr stream);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuModuleLoadDataEx")]
    public static partial int ModuleLoadDataEx(IntPtr* module, void* image, uint optionCount, int* options, void** optionValues);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuModuleUnload")]
    public static partial int ModuleUnload(IntPtr module);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuModuleGetFunction", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int ModuleGetFunction(IntPtr* function, IntPtr module, string name);

    [LibraryImport(LibraryNames.Driver, EntryPoint = "cuLaunchKernel")]
    public static partial int LaunchKernel(IntPtr function, uint gridX, uint gridY, uint gridZ, uint blockX, uint blockY, uint blockZ,
        uint sharedBytes, IntPtr stream, void** kernelParams, void** extra);
}
