namespace PRoLoRA.Native.Distributed;

/// <summary>The collective of a job of one process: rank 0 of 1, every operation leaves the buffer as it is.</summary>
public sealed class SingleProcessCollective : ICollective
{
    /// <inheritdoc/>
    public int Rank => 0;

    /// <inheritdoc/>
    public int WorldSize => 1;

    /// <inheritdoc/>
    public string Name => "single process";

    /// <inheritdoc/>
    public void AllReduceSum(Span<float> buffer)
    {
    }

    /// <inheritdoc/>
    public void Broadcast(Span<float> buffer)
    {
    }

    /// <inheritdoc/>
    public void Barrier()
    {
    }

    /// <inheritdoc/>
    public void Abort(string message, int exitCode)
    {
        Console.Error.WriteLine($"error: {message}");
        Environment.Exit(exitCode);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
