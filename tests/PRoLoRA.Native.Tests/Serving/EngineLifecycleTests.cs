using PRoLoRA.Native.Serving;

namespace PRoLoRA.Native.Tests.Serving;

/// <summary>Cancellation, the bounded queue, unknown adapters, load and unload while requests run, and the metrics.</summary>
public class EngineLifecycleTests
{
    private static readonly int[] Prompt = [10, 20, 30, 40];

    [Test]
    public void Cancel_FreesTheSequenceForTheNextRequest()
    {
        using var model = ServingSetup.LoadBase();
        using var bank = ServingSetup.Bank(model);
        using var engine = new GenerationEngine(bank, new EngineOptions([], MaxRunning: 1));
        var running = engine.Submit(new GenerationRequest(Prompt, "attn", MaxTokens: 1000));
        ServingSetup.FirstDelta(running);
        var next = engine.Submit(new GenerationRequest(Prompt, "mlp", MaxTokens: 4));
        using var source = new CancellationTokenSource();
        var dropped = engine.Submit(new GenerationRequest(Prompt, MaxTokens: 4), source.Token);
        source.Cancel();
        running.Cancel();
        var cancelled = ServingSetup.Await(running.Completion);
        Assert.Multiple(() =>
        {
            Assert.That(cancelled.Reason, Is.EqualTo(FinishReason.Cancelled));
            Assert.That(cancelled.TokenIds, Has.Length.InRange(1, 999));
            Assert.That(ServingSetup.Await(next.Completion).Reason, Is.EqualTo(FinishReason.Length), "the freed sequence runs the next request");
            Assert.That(ServingSetup.Await(dropped.Completion), Has.Property(nameof(GenerationResult.Reason)).EqualTo(FinishReason.Cancelled).And.Property(nameof(GenerationResult.TokenIds)).Empty);
        });
        var m = engine.Metrics;
        Assert.That((m.Running, m.Waiting, m.RequestsSubmitted, m.RequestsFinished), Is.EqualTo((0, 0, 3L, 3L)));
    }

    [Test]
    public void FullQueue_IsADistinctError()
    {
        using var model = ServingSetup.LoadBase();
        using var bank = ServingSetup.Bank(model);
        using var engine = new GenerationEngine(bank, new EngineOptions([], MaxRunning: 1, QueueCapacity: 1));
        var running = engine.Submit(new GenerationRequest(Prompt, MaxTokens: 1000));
        ServingSetup.FirstDelta(running);
        var queued = engine.Submit(new GenerationRequest(Prompt, "lora", MaxTokens: 2));
        var full = Assert.Throws<EngineQueueFullException>(() => engine.Submit(new GenerationRequest(Prompt, "lora", MaxTokens: 2)))!;
        Assert.That(full.Capacity, Is.EqualTo(1));
        Assert.That(bank.Adapters.Single(a => a.Name == "lora").Leases, Is.EqualTo(1), "the refused request holds no lease");
        running.Cancel();
        Assert.That(ServingSetup.Await(queued.Completion).TokenIds, Has.Length.EqualTo(2));
    }

    [Test]
    public void UnknownAdapter_IsAClearError()
    {
        using var model = ServingSetup.LoadBase();
        using var bank = ServingSetup.Bank(model);
        using var engine = new GenerationEngine(bank, new EngineOptions([]));
        var error = Assert.Throws<UnknownAdapterException>(() => engine.Submit(new GenerationRequest(Prompt, "missing")))!;
        Assert.That((error.AdapterName, error.Message), Is.EqualTo(("missing", "no adapter named 'missing' is loaded")));
        Assert.That(engine.Metrics.RequestsSubmitted, Is.Zero);
    }

    [Test]
    public void UnloadWhileRunning_KeepsTheAdapterUntilItsRequestsEnd_AndLoadAddsOne()
    {
        using var model = ServingSetup.LoadBase();
        using var reference = ServingSetup.LoadBase();
        using var bank = ServingSetup.Bank(model);
        long all = bank.TotalBytes;
        var attn = ServingSetup.Adapters[0];
        using var engine = new GenerationEngine(bank, new EngineOptions([]));
        var request = new GenerationRequest(Prompt, "attn", MaxTokens: 60);
        var handle = engine.Submit(request);
        ServingSetup.FirstDelta(handle);
        Assert.That(bank.Unload("attn"), Is.True);
        Assert.Throws<UnknownAdapterException>(() => engine.Submit(request));
        var added = new TestAdapter("late", ["o_proj", "down_proj"], 4, 2, 2, 4, 9);
        bank.Add(added.Name, added.Create(model));
        var late = engine.Submit(new GenerationRequest(Prompt, "late", MaxTokens: 10));

        Assert.That(ServingSetup.Await(handle.Completion).TokenIds, Is.EqualTo(ServingSetup.Reference(reference, attn, request, [])));
        Assert.That(ServingSetup.Await(late.Completion).TokenIds, Is.EqualTo(ServingSetup.Reference(reference, added, new GenerationRequest(Prompt, MaxTokens: 10), [])));
        var m = engine.Metrics;
        Assert.Multiple(() =>
        {
            Assert.That(m.AdaptersLoaded, Is.EqualTo(3));
            Assert.That(m.AdapterBytes, Is.EqualTo(all - attn.CompactBytes(model.Config) + added.CompactBytes(model.Config)), "freed once its request ended");
            Assert.That(bank.Adapters.Select(a => a.Name), Is.EqualTo(new[] { "late", "lora", "mlp" }));
            Assert.That(bank.Adapters.Sum(a => a.Leases), Is.Zero);
        });
    }

    [Test]
    public void Metrics_CountRequestsAndTokens()
    {
        using var model = ServingSetup.LoadBase();
        using var bank = ServingSetup.Bank(model);
        using var engine = new GenerationEngine(bank, new EngineOptions([]));
        var handles = Enumerable.Range(0, 4).Select(i => engine.Submit(new GenerationRequest(Prompt[..(i + 1)], i == 0 ? null : ServingSetup.Adapters[i - 1].Name, MaxTokens: 3 + i))).ToArray();
        var results = handles.Select(h => ServingSetup.Await(h.Completion)).ToArray();
        var m = engine.Metrics;
        Assert.That(m, Is.EqualTo(new EngineMetrics(4, 4, 1 + 2 + 3 + 4, results.Sum(r => r.Usage.CompletionTokens), m.DecodeSteps, 0, 0, 3, bank.TotalBytes)));
        Assert.That(m.GeneratedTokens, Is.EqualTo(3 + 4 + 5 + 6));
    }

    [Test]
    public void Dispose_CancelsWhatIsLeft()
    {
        using var model = ServingSetup.LoadBase();
        using var bank = ServingSetup.Bank(model);
        var engine = new GenerationEngine(bank, new EngineOptions([], MaxRunning: 1));
        var running = engine.Submit(new GenerationRequest(Prompt, "attn", MaxTokens: 1000));
        var waiting = engine.Submit(new GenerationRequest(Prompt, "mlp", MaxTokens: 1000));
        engine.Dispose();
        Assert.That(ServingSetup.Await(running.Completion).Reason, Is.EqualTo(FinishReason.Cancelled));
        Assert.That(ServingSetup.Await(waiting.Completion).Reason, Is.EqualTo(FinishReason.Cancelled));
        Assert.That(bank.Adapters.Sum(a => a.Leases), Is.Zero);
        Assert.Throws<ObjectDisposedException>(() => engine.Submit(new GenerationRequest(Prompt)));
    }
}
