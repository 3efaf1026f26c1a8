namespace PRoLoRA.Native.Distributed;

/// <summary>
/// The few collective operations data-parallel training needs, over the processes of one job
/// (ranks 0 to <see cref="WorldSize"/> − 1). Every rank calls the same operations in the same order
/// with buffers of the same length. An operation that cannot complete (a rank gone, a timeout)
/// ends the whole job with a message naming the rank and the operation; it never hangs.
/// </summary>
public interface ICollective : IDisposable
{
    /// <summary>This process's rank, in [0, <see cref="WorldSize"/>).</summary>
    int Rank { get; }

    /// <summary>The number of processes in the job.</summary>
    int WorldSize { get; }

    /// <summary>What carries the operations, for messages ("single process", "Open MPI", "NCCL").</summary>
    string Name { get; }

    /// <summary>Replaces <paramref name="buffer"/> on every rank by the element-wise sum over all ranks.</summary>
    void AllReduceSum(Span<float> buffer);

    /// <summary>Replaces <paramref name="buffer"/> on every rank by rank 0's values.</summary>
    void Broadcast(Span<float> buffer);

    /// <summary>Returns once every rank has called it.</summary>
    void Barrier();

    /// <summary>
    /// Ends every rank of the job now with <paramref name="exitCode"/>, after writing
    /// <paramref name="message"/> (prefixed with this rank) to standard error. Does not return.
    /// </summary>
    void Abort(string message, int exitCode);
}
