namespace PRoLoRA.Native.Tensors;

/// <summary>Where a tensor's storage lives.</summary>
public enum DeviceKind
{
    /// <summary>Managed host memory.</summary>
    Cpu,

    /// <summary>NVIDIA GPU memory.</summary>
    Cuda,
}
