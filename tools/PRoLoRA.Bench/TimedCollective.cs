using System.Diagnostics;
using PRoLoRA.Native.Distributed;

namespace PRoLoRA.Bench;

/// <summary>
/// A collective that times its all-reduces in two parts: a barrier first (waiting for the slower
/// rank) and then the all-reduce itself (the transfer and the sum).
/// </summary>
internal sealed class TimedCollective(ICollective inner) : ICollective
{
    private readonly Stopwatch _wait = new();
    private readonly Stopwatch _allReduce = new();

    /// <summary>Wall time spent waiting for the other ranks before the all-reduces so far.</summary>
    public TimeSpan WaitTime => _wait.Elapsed;

    /// <summary>Wall time spent in the all-reduces themselves so far.</summary>
    public TimeSpan AllReduceTime => _allReduce.Elapsed;

    /// <summary>Floats the last all-reduce moved.</summary>
    public int LastLength { get; private set; }

    public int Rank => inner.Rank;

    public int WorldSize => inner.WorldSize;

    public string Name => inner.Name;

    public void AllReduceSum(Span<float> buffer)
    {
        _wait.Start();
        inner.Barrier();
        _wait.Stop();
        _allReduce.Start();
        inner.AllReduceSum(buffer);
        _allReduce.Stop();
        LastLength = buffer.Length;
    }

    public void Broadcast(Span<float> buffer) => inner.Broadcast(buffer);

    public void Barrier() => inner.Barrier();

    public void Abort(string message, int exitCode) => inner.Abort(message, exitCode);

    public void Dispose() => inner.Dispose();
}
