namespace PRoLoRA.Native.Serving;

/// <summary>An adapter resident in a bank: its linears over the model's frozen base, and who uses it.</summary>
internal sealed class BankedAdapter(string name, int slot, Dictionary<string, BankedLinear> linears)
{
    public string Name { get; } = name;

    public int Slot { get; } = slot;

    public IReadOnlyDictionary<string, BankedLinear> Linears { get; } = linears;

    public long Bytes { get; } = linears.Values.Sum(l => l.Bytes);

    public int Leases { get; set; }

    public bool Unloading { get; set; }

    public AdapterInfo Info() => new(Name, Slot, Bytes, [.. Linears.Keys.Order(StringComparer.Ordinal)], Leases, Unloading);

    public void Free()
    {
        foreach (var linear in Linears.Values)
        {
            linear.Dispose();
        }
    }
}
