namespace PRoLoRA.Native.Tensors;

/// <summary>A flat buffer of float32 elements owned by one backend.</summary>
public abstract class TensorStorage : IDisposable
{
    /// <summary>Number of float32 elements.</summary>
    public abstract long Length { get; }

    /// <summary>Releases native memory, if any.</summary>
    public virtual void Dispose() => GC.SuppressFinalize(this);
}

/// <summary>Storage in a managed array.</summary>
public sealed class CpuStorage(float[] data) : TensorStorage
{
    /// <summary>The elements.</summary>
    public float[] Data { get; } = data;

    /// <inheritdoc/>
    public override long Length => Data.LongLength;
}
