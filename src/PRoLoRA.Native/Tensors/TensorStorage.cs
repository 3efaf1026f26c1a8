namespace PRoLoRA.Native.Tensors;

/// <summary>A flat buffer of float32 elements owned by one backend.</summary>
internal abstract class TensorStorage : IDisposable
{
    /// <summary>Number of float32 elements.</summary>
    public abstract long Length { get; }

    /// <summary>Releases native memory, if any.</summary>
    public virtual void Dispose() => GC.SuppressFinalize(this);
}

/// <summary>Storage in a managed array.</summary>
internal sealed class CpuStorage : TensorStorage
{
    private Action<float[]>? _onDispose;

    /// <summary>Wraps <paramref name="data"/> (which the garbage collector frees).</summary>
    public CpuStorage(float[] data) => Data = data;

    /// <summary>Wraps <paramref name="data"/> and hands it to <paramref name="onDispose"/> once, on the first dispose (a pool's return).</summary>
    internal CpuStorage(float[] data, Action<float[]> onDispose)
    {
        Data = data;
        _onDispose = onDispose;
    }

    /// <summary>The elements.</summary>
    public float[] Data { get; }

    /// <inheritdoc/>
    public override long Length => Data.LongLength;

    /// <inheritdoc/>
    public override void Dispose()
    {
        Interlocked.Exchange(ref _onDispose, null)?.Invoke(Data);
        base.Dispose();
    }
}
