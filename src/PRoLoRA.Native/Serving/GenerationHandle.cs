using System.Threading.Channels;

namespace PRoLoRA.Native.Serving;

/// <summary>A submitted request: its streamed deltas, its final result, and a way to cancel it.</summary>
public sealed class GenerationHandle
{
    private readonly Channel<GenerationDelta> _deltas = Channel.CreateUnbounded<GenerationDelta>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly TaskCompletionSource<GenerationResult> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action _wake;
    private volatile bool _cancelled;

    internal GenerationHandle(long id, Action wake)
    {
        Id = id;
        _wake = wake;
    }

    /// <summary>The engine's number for the request.</summary>
    public long Id { get; }

    /// <summary>The result, once the generation ends; faults if the generation failed.</summary>
    public Task<GenerationResult> Completion => _done.Task;

    /// <summary>True once <see cref="Cancel"/> was called.</summary>
    public bool IsCancellationRequested => _cancelled;

    /// <summary>The deltas as they are generated, for one reader; the stream ends when the generation does (faults if it failed).</summary>
    public IAsyncEnumerable<GenerationDelta> StreamAsync(CancellationToken cancellationToken = default) => _deltas.Reader.ReadAllAsync(cancellationToken);

    /// <summary>Asks the engine to stop the generation and free its sequence (it ends with <see cref="FinishReason.Cancelled"/>).</summary>
    public void Cancel()
    {
        _cancelled = true;
        _wake();
    }

    internal void Emit(GenerationDelta delta) => _deltas.Writer.TryWrite(delta);

    internal void Finish(GenerationResult result)
    {
        _deltas.Writer.TryComplete();
        _done.TrySetResult(result);
    }

    internal void Fail(Exception error)
    {
        _deltas.Writer.TryComplete(error);
        _done.TrySetException(error);
    }
}
