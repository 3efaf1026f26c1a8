namespace PRoLoRA.Native.Tensors;

/// <summary>A flat buffer of elements (float32 unless <see cref="DType"/> says otherwise) owned by one backend.</summary>
internal abstract class TensorStorage : IDisposable
{
    /// <summary>Number of elements.</summary>
    public abstract long Length { get; }

    /// <summary>How the elements are stored.</summary>
    public virtual TensorDType DType => TensorDType.Float32;

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

/// <summary>A quantised frozen weight matrix (rows × cols, row-major) in a backend's memory; views of it must be the whole matrix or its transpose.</summary>
internal abstract class QuantizedStorage(int rows, int cols, TensorDType dtype) : TensorStorage
{
    /// <summary>Rows of the stored matrix.</summary>
    public int Rows { get; } = rows;

    /// <summary>Columns of the stored matrix.</summary>
    public int Cols { get; } = cols;

    /// <inheritdoc/>
    public override long Length => (long)Rows * Cols;

    /// <inheritdoc/>
    public override TensorDType DType { get; } = dtype;
}
