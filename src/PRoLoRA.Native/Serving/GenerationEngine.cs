using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Models.Llama;

namespace PRoLoRA.Native.Serving;

/// <summary>
/// Continuous batching over one <see cref="LlamaModel"/> and its <see cref="AdapterBank"/>: requests are
/// submitted from any thread into a bounded queue; one background loop admits them between decode steps
/// (up to <see cref="EngineOptions.MaxRunning"/> running), and each step advances every running sequence
/// by one token (its first step runs its prompt), each with its own KV cache, adapter and seeded sampler.
/// Sequences run one forward each within a step today (<see cref="Step"/>); the model's bank forward
/// already takes per-row adapters, so batching a step's rows is a change inside the step alone.
/// </summary>
public sealed class GenerationEngine : IDisposable
{
    private readonly object _gate = new();
    private readonly Queue<Sequence> _waiting = new();
    private readonly List<Sequence> _running = [];
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _nextId;
    private long _submitted;
    private long _finished;
    private long _promptTokens;
    private long _generatedTokens;
    private int _runningCount;
    private bool _closed;

    /// <summary>Starts the engine loop for <paramref name="bank"/>'s model.</summary>
    public GenerationEngine(AdapterBank bank, EngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(bank);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.EosIds);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxRunning);
        ArgumentOutOfRangeException.ThrowIfNegative(options.QueueCapacity);
        Bank = bank;
        Options = options;
        _loop = Task.Factory.StartNew(Run, TaskCreationOptions.LongRunning);
    }

    /// <summary>The adapters requests can name.</summary>
    public AdapterBank Bank { get; }

    /// <summary>The engine's settings.</summary>
    public EngineOptions Options { get; }

    /// <summary>The counters now.</summary>
    public EngineMetrics Metrics
    {
        get
        {
            int waiting;
            lock (_gate)
            {
                waiting = _waiting.Count;
            }
            return new EngineMetrics(Interlocked.Read(ref _submitted), Interlocked.Read(ref _finished), Interlocked.Read(ref _promptTokens), Interlocked.Read(ref _generatedTokens), Volatile.Read(ref _runningCount), waiting, Bank.Adapters.Count, Bank.TotalBytes);
        }
    }

    /// <summary>
    /// Queues <paramref name="request"/>. Throws <see cref="UnknownAdapterException"/> for an adapter the bank does
    /// not hold, <see cref="EngineQueueFullException"/> when the queue is full, <see cref="ArgumentException"/> for a bad
    /// request. The request holds its adapter from here until it ends. <paramref name="cancellationToken"/> cancels it.
    /// </summary>
    public GenerationHandle Submit(GenerationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
        Check(request);
        var lease = request.Adapter is null ? null : Bank.Acquire(request.Adapter);
        var handle = new GenerationHandle(Interlocked.Increment(ref _nextId), () => _wake.Release());
        var sequence = new Sequence(request, handle, lease);
        lock (_gate)
        {
            if (_closed)
            {
                sequence.Dispose();
                throw new ObjectDisposedException(nameof(GenerationEngine));
            }
            if (_waiting.Count >= Options.QueueCapacity)
            {
                sequence.Dispose();
                throw new EngineQueueFullException(Options.QueueCapacity);
            }
            _waiting.Enqueue(sequence);
        }
        Interlocked.Increment(ref _submitted);
        sequence.Registration = cancellationToken.Register(handle.Cancel);
        _wake.Release();
        return handle;
    }

    private void Check(GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request.PromptIds);
        int vocabulary = Bank.Model.Config.VocabularySize;
        if (request.PromptIds.Length == 0 || request.PromptIds.Any(id => id < 0 || id >= vocabulary))
        {
            throw new ArgumentException($"the prompt must hold at least one id, each in [0, {vocabulary})", nameof(request));
        }
        new GenerationOptions(request.MaxTokens, request.Temperature, request.TopP, request.Seed).Validate();
        if (request.Stop is { Count: > 0 } && (Options.Tokenizer is null || request.Stop.Any(string.IsNullOrEmpty)))
        {
            throw new ArgumentException("stop strings must be non-empty and need the engine's tokenizer", nameof(request));
        }
        if (request.TopLogprobs is < 0)
        {
            throw new ArgumentException($"top logprobs must be >= 0, got {request.TopLogprobs}", nameof(request));
        }
    }

    private void Run()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            Admit();
            if (_running.Count == 0)
            {
                try
                {
                    _wake.Wait(token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                continue;
            }
            Step();
        }
        lock (_gate)
        {
            _closed = true;
            _running.AddRange(_waiting);
            _waiting.Clear();
        }
        foreach (var sequence in _running.ToArray())
        {
            Finish(sequence, FinishReason.Cancelled);
        }
    }

    private void Admit()
    {
        lock (_gate)
        {
            while (_waiting.Count > 0 && _running.Count < Options.MaxRunning)
            {
                _running.Add(_waiting.Dequeue());
            }
            foreach (var cancelled in _waiting.Where(s => s.Handle.IsCancellationRequested).ToArray())
            {
                _running.Add(cancelled);
            }
            var rest = _waiting.Where(s => !s.Handle.IsCancellationRequested).ToArray();
            _waiting.Clear();
            foreach (var s in rest)
            {
                _waiting.Enqueue(s);
            }
        }
        Volatile.Write(ref _runningCount, _running.Count);
    }

    /// <summary>One decode step: every running sequence gains a token (or ends).</summary>
    private void Step()
    {
        foreach (var sequence in _running.ToArray())
        {
            if (sequence.Handle.IsCancellationRequested)
            {
                Finish(sequence, FinishReason.Cancelled);
                continue;
            }
            try
            {
                Advance(sequence);
            }
            catch (Exception error)
            {
                _running.Remove(sequence);
                sequence.Dispose();
                Interlocked.Increment(ref _finished);
                sequence.Handle.Fail(error);
            }
        }
        Volatile.Write(ref _runningCount, _running.Count);
    }

    private void Advance(Sequence sequence)
    {
        var model = Bank.Model;
        var input = sequence.NextInput;
        if (sequence.Cache is null)
        {
            sequence.Cache = new LlamaCache(model.Config, model.Backend, input.Length + sequence.Request.MaxTokens);
            Interlocked.Add(ref _promptTokens, input.Length);
        }
        float[] logits;
        using (var tape = new Tape(model.Backend))
        using (tape.NoGrad())
        {
            var all = model.Forward(tape, input, 1, input.Length, Bank, [sequence.Slot], sequence.Cache);
            int vocabulary = model.Config.VocabularySize;
            logits = all.Value.ToArray().AsSpan((input.Length - 1) * vocabulary, vocabulary).ToArray();
        }
        int next = LlamaGenerator.Pick(logits, sequence.Options, sequence.Rng);
        if (Options.EosIds.Contains(next))
        {
            Finish(sequence, FinishReason.Eos);
            return;
        }
        sequence.Generated.Add(next);
        Interlocked.Increment(ref _generatedTokens);
        var logprob = sequence.Request.TopLogprobs is int k ? TokenLogprob.Of(logits, next, k) : null;
        sequence.Logprobs?.Add(logprob!);
        bool stopped = UpdateText(sequence, out string delta);
        sequence.Handle.Emit(new GenerationDelta(next, delta, logprob));
        if (stopped)
        {
            Finish(sequence, FinishReason.StopString);
        }
        else if (sequence.Generated.Count >= sequence.Request.MaxTokens)
        {
            Finish(sequence, FinishReason.Length);
        }
    }

    /// <summary>Decodes the text so far; <paramref name="delta"/> is what became safe to stream. True at a stop string.</summary>
    private bool UpdateText(Sequence sequence, out string delta)
    {
        delta = "";
        if (Options.Tokenizer is not { } tokenizer)
        {
            return false;
        }
        string text = tokenizer.Decode([.. sequence.Generated]);
        var (visible, found) = StopStrings.Scan(text, sequence.Request.Stop ?? []);
        sequence.Text = found ? text[..visible] : text;
        if (visible > sequence.Emitted)
        {
            delta = text[sequence.Emitted..visible];
            sequence.Emitted = visible;
        }
        return found;
    }

    private void Finish(Sequence sequence, FinishReason reason)
    {
        _running.Remove(sequence);
        sequence.Dispose();
        if (sequence.Text.Length > sequence.Emitted)
        {
            sequence.Handle.Emit(new GenerationDelta(-1, sequence.Text[sequence.Emitted..], null));
        }
        Interlocked.Increment(ref _finished);
        var usage = new Usage(sequence.Request.PromptIds.Length, sequence.Generated.Count);
        sequence.Handle.Finish(new GenerationResult([.. sequence.Generated], sequence.Text, reason, usage, sequence.Logprobs));
    }

    /// <summary>Stops the loop; requests still queued or running end as cancelled. The bank and model stay.</summary>
    public void Dispose()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }
        _stop.Cancel();
        _loop.Wait();
        _stop.Dispose();
        _wake.Dispose();
    }
}
