using PRoLoRA.Native.Adapters;

namespace PRoLoRA.Native.Serving;

/// <summary>
/// An adapter in a bank: its linears over the model's frozen base while it is on the device, its home copy
/// in host memory when the bank swaps (<see cref="AdapterBank.DeviceCapacity"/>), and who uses it.
/// </summary>
internal sealed class BankedAdapter(string name, int slot, long bytes, IReadOnlyList<string> modules, IReadOnlyDictionary<string, ProLoraAdapter>? home)
{
    public string Name { get; } = name;

    public int Slot { get; } = slot;

    /// <summary>Bytes of its tensors on the device while it is there.</summary>
    public long Bytes { get; } = bytes;

    public IReadOnlyList<string> Modules { get; } = modules;

    /// <summary>The host copy the device copy is made from (null: the bank does not swap, the linears are the only copy).</summary>
    public IReadOnlyDictionary<string, ProLoraAdapter>? Home { get; } = home;

    /// <summary>Its linears on the model's device, or null while swapped out.</summary>
    public IReadOnlyDictionary<string, BankedLinear>? Linears { get; set; }

    public int Leases { get; set; }

    public bool Unloading { get; set; }

    /// <summary>When a forward last used it (the bank's counter), for evicting the least recently used.</summary>
    public long LastUsed { get; set; }

    public AdapterInfo Info() => new(Name, Slot, Bytes, Modules, Leases, Unloading, OnDevice: Linears is not null);

    /// <summary>Frees the device copy (the home copy stays).</summary>
    public void Evict()
    {
        foreach (var linear in Linears?.Values ?? [])
        {
            linear.Dispose();
        }
        Linears = null;
    }

    /// <summary>Frees everything.</summary>
    public void Free()
    {
        Evict();
        foreach (var adapter in Home?.Values ?? [])
        {
            adapter.Dispose();
        }
    }
}
