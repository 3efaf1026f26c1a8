namespace PRoLoRA.Native.Serving;

/// <summary>
/// A hold on one adapter of an <see cref="AdapterBank"/>: while any lease is open the adapter stays
/// resident, even if it is unloaded meanwhile. Dispose ends the hold (once).
/// </summary>
public sealed class AdapterLease : IDisposable
{
    private readonly AdapterBank _bank;
    private readonly BankedAdapter _adapter;
    private int _released;

    internal AdapterLease(AdapterBank bank, BankedAdapter adapter)
    {
        _bank = bank;
        _adapter = adapter;
    }

    /// <summary>The adapter's name.</summary>
    public string Name => _adapter.Name;

    /// <summary>The adapter's slot, for <see cref="Models.Llama.LlamaModel.Forward(Autograd.Tape, int[], int, int, AdapterBank, int[], Models.Llama.LlamaCache?, int[])"/>.</summary>
    public int Slot => _adapter.Slot;

    /// <summary>Ends the hold; the last one on an unloaded adapter frees it.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _bank.Release(_adapter);
        }
    }
}
