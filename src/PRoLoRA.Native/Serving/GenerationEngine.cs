using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Models.Llama;

namespace PRoLoRA.Native.Serving;

/// <summary>
/// Continuous batching over one <see cref="LlamaModel"/> and its <see cref="AdapterBank"/>: requests are
/// submitted from any thread into a bounded queue; one background loop admits them between decode steps
/// (up to <see cref="EngineOptions.MaxRunning"/> running), and each step advances every running sequence
/// by one token, each with its own KV cache, adapter and seeded sampler. A new sequence's first step runs
/// its prompt alone; the sequences past their prompt advance together in one batched forward
/// (<see cref="LlamaModel.DecodeStep"/>: shared linears with per-row adapters, attention per sequence).
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
    private long _decodeSteps;
    private int _runningCount;
    private bool _closed;
    private readonly int _adapterLimit;

    /// <summary>Starts the engine loop for <paramref name="bank"/>'s model.</summary>
    public GenerationEngine(AdapterBank bank, EngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(bank);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.EosIds);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxRunning);
        ArgumentOutOfRangeException.ThrowIfNegative(options.QueueCapacity);
        if (options.MaxAdaptersPerBatch is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxAdaptersPerBatch, "MaxAdaptersPerBatch must be >= 1");
        }
        Bank = bank;
        Options = options;
        _adapterLimit = Math.Min(options.MaxAdaptersPerBatch ?? int.MaxValue, bank.DeviceCapacity ?? int.MaxValue);
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
            return new EngineMetrics(Interlocked.Read(ref _submitted), Interlocked.Read(ref _finished), Interlocked.Read(ref _promptTokens), Interlocked.Read(ref _generatedTokens), Interlocked.Read(ref _decodeSteps), Volatile.Read(ref _runningCount), waiting, Bank.Adapters.Count, Bank.TotalBytes);
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
            var adapters = _running.Where(s => s.Slot >= 0).Select(s => s.Slot).ToHashSet();
            while (_waiting.Count > 0 && _running.Count < Options.MaxRunning)
            {
                // First come, first served: a request for one adapter too many waits, and so do those behind it.
                int slot = _waiting.Peek().Slot;
                if (slot >= 0 && !adapters.Contains(slot) && adapters.Count >= _adapterLimit)
                {
                    break;
                }
                if (slot >= 0)
                {
                    adapters.Add(slot);
                }
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

    /// <summary>
    /// One decode step: every running sequence gains a token (or ends). A new sequence runs its prompt alone;
    /// the others advance together in one <see cref="LlamaModel.DecodeStep"/>.
    /// </summary>
    private void Step()
    {
        var decoding = new List<Sequence>();
        foreach (var sequence in _running.ToArray())
        {
            if (sequence.Handle.IsCancellationRequested)
            {
                Finish(sequence, FinishReason.Cancelled);
            }
            else if (sequence.Cache is null)
            {
                Guard([sequence], () => Accept(sequence, Prefill(sequence)));
            }
            else
            {
                decoding.Add(sequence);
            }
        }
        if (decoding.Count > 0)
        {
            Guard(decoding, () =>
            {
                var logits = Decode(decoding);
                for (int b = 0; b < decoding.Count; b++)
                {
                    Accept(decoding[b], logits[b]);
                }
            });
        }
        Volatile.Write(ref _runningCount, _running.Count);
    }

    /// <summary>Runs <paramref name="work"/>; on an error, the sequences still running fail with it and free their slots.</summary>
    private void Guard(IReadOnlyList<Sequence> sequences, Action work)
    {
        try
        {
            work();
        }
        catch (Exception error)
        {
            foreach (var sequence in sequences.Where(_running.Contains))
            {
                _running.Remove(sequence);
                sequence.Dispose();
                Interlocked.Increment(ref _finished);
                sequence.Handle.Fail(error);
            }
        }
    }

    /// <summary>Caches the prompt; the logits of its last position.</summary>
    private float[] Prefill(Sequence sequence)
    {
        var model = Bank.Model;
        var prompt = sequence.Request.PromptIds;
        sequence.Cache = new LlamaCache(model.Config, model.Backend, prompt.Length + sequence.Request.MaxTokens);
        Interlocked.Add(ref _promptTokens, prompt.Length);
        using var tape = new Tape(model.Backend);
        using var _ = tape.NoGrad();
        var all = model.Forward(tape, prompt, 1, prompt.Length, Bank, [sequence.Slot], sequence.Cache);
        int vocabulary = model.Config.VocabularySize;
        return all.Value.ToArray().AsSpan((prompt.Length - 1) * vocabulary, vocabulary).ToArray();
    }

    /// <summary>Feeds each sequence its last token in one pass; the logits of each.</summary>
    private float[][] Decode(List<Sequence> sequences)
    {
        var model = Bank.Model;
        using var tape = new Tape(model.Backend);
        using var _ = tape.NoGrad();
        Interlocked.Increment(ref _decodeSteps);
        var all = model.DecodeStep(tape, [.. sequences.Select(s => s.Generated[^1])], [.. sequences.Select(s => s.Cache!)], Bank, [.. sequences.Select(s => s.Slot)]);
        int vocabulary = model.Config.VocabularySize;
        var flat = all.Value.ToArray();
        return [.. Enumerable.Range(0, sequences.Count).Select(b => flat.AsSpan(b * vocabulary, vocabulary).ToArray())];
    }

    /// <summary>Samples the next token from <paramref name="logits"/>, streams it and ends the sequence when it should.</summary>
    private void Accept(Sequence sequence, float[] logits)
    {
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
