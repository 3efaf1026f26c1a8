using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.IO;
using PRoLoRA.Native.Models.Llama;

namespace PRoLoRA.Native.Serving;

/// <summary>
/// Many adapters resident at once over one <see cref="LlamaModel"/>'s frozen base, each by name and
/// slot, each with its own sizes and target modules. Thread-safe: adapters can be loaded and
/// unloaded while an engine runs. Unloading a leased adapter removes its name at once (new requests
/// cannot find it) but frees its tensors only when the last lease ends, so running requests finish
/// on it. The bank owns its adapters; disposing it frees them all (the model stays).
/// </summary>
public sealed class AdapterBank : IDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, BankedAdapter> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<int, BankedAdapter> _bySlot = [];
    private int _nextSlot;

    /// <summary>An empty bank over <paramref name="model"/> whose adapters compute their products as <paramref name="products"/> says.</summary>
    public AdapterBank(LlamaModel model, AdapterProducts products = AdapterProducts.Compact)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!Enum.IsDefined(products))
        {
            throw new ArgumentOutOfRangeException(nameof(products), products, "not an AdapterProducts value");
        }
        Model = model;
        Products = products;
    }

    /// <summary>The model whose base the adapters share.</summary>
    public LlamaModel Model { get; }

    /// <summary>How the adapters are kept and their products computed.</summary>
    public AdapterProducts Products { get; }

    /// <summary>The loaded adapters (not those unloaded but still draining), by name.</summary>
    public IReadOnlyList<AdapterInfo> Adapters
    {
        get
        {
            lock (_gate)
            {
                return [.. _byName.Values.OrderBy(a => a.Name, StringComparer.Ordinal).Select(a => a.Info())];
            }
        }
    }

    /// <summary>Device bytes of every resident adapter, draining ones included.</summary>
    public long TotalBytes
    {
        get
        {
            lock (_gate)
            {
                return _bySlot.Values.Sum(a => a.Bytes);
            }
        }
    }

    /// <summary>True when an adapter named <paramref name="name"/> is loaded.</summary>
    public bool Contains(string name)
    {
        lock (_gate)
        {
            return _byName.ContainsKey(name);
        }
    }

    /// <summary>Loads the adapter folder <paramref name="folder"/> (compact PRoLoRA or PEFT LoRA) as <paramref name="name"/>.</summary>
    public AdapterInfo Load(string name, string folder)
    {
        CheckNewName(name);
        return Add(name, AdapterFolder.Load(folder, Model.Backend));
    }

    /// <summary>Adds <paramref name="adapters"/> (module path → adapter; the bank owns them from now on, also on error) as <paramref name="name"/>.</summary>
    public AdapterInfo Add(string name, IReadOnlyDictionary<string, ProLoraAdapter> adapters)
    {
        ArgumentNullException.ThrowIfNull(adapters);
        var linears = new Dictionary<string, BankedLinear>(StringComparer.Ordinal);
        try
        {
            CheckNewName(name);
            if (adapters.Count == 0)
            {
                throw new ArgumentException($"adapter '{name}' adapts no module", nameof(adapters));
            }
            foreach (var (path, adapter) in adapters)
            {
                if (!Model.TryGetBaseLinear(path, out var linear))
                {
                    throw new ArgumentException($"adapter '{name}': the model has no linear '{path}'", nameof(adapters));
                }
                linears[path] = new BankedLinear(new ProLoraLinear(linear.Weight, linear.Bias, adapter, ownsBase: false), Products);
            }
            lock (_gate)
            {
                CheckNewName(name);
                var banked = new BankedAdapter(name, _nextSlot++, linears);
                _byName[name] = banked;
                _bySlot[banked.Slot] = banked;
                return banked.Info();
            }
        }
        catch
        {
            foreach (var linear in linears.Values)
            {
                linear.Dispose(); // frees its adapter too
            }
            foreach (var (path, adapter) in adapters)
            {
                if (!linears.ContainsKey(path))
                {
                    adapter.Dispose();
                }
            }
            throw;
        }
    }

    /// <summary>
    /// Unloads <paramref name="name"/>: false when no such adapter is loaded. Its tensors are freed now,
    /// or when the last lease ends if requests still use it.
    /// </summary>
    public bool Unload(string name)
    {
        BankedAdapter? free = null;
        lock (_gate)
        {
            if (!_byName.Remove(name, out var adapter))
            {
                return false;
            }
            adapter.Unloading = true;
            if (adapter.Leases == 0)
            {
                _bySlot.Remove(adapter.Slot);
                free = adapter;
            }
        }
        free?.Free();
        return true;
    }

    /// <summary>A hold on <paramref name="name"/>; throws <see cref="UnknownAdapterException"/> when it is not loaded.</summary>
    public AdapterLease Acquire(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_gate)
        {
            if (!_byName.TryGetValue(name, out var adapter))
            {
                throw new UnknownAdapterException(name);
            }
            adapter.Leases++;
            return new AdapterLease(this, adapter);
        }
    }

    internal void Release(BankedAdapter adapter)
    {
        lock (_gate)
        {
            adapter.Leases--;
            if (adapter.Leases > 0 || !adapter.Unloading)
            {
                return;
            }
            _bySlot.Remove(adapter.Slot);
        }
        adapter.Free();
    }

    /// <summary>The row groups of a forward whose sequence b uses slot <paramref name="slots"/>[b] (−1: none), each sequence <paramref name="length"/> token rows.</summary>
    internal RowAdapters Plan(int[] slots, int length)
    {
        var groups = new List<(IReadOnlyDictionary<string, BankedLinear>, int[])>();
        lock (_gate)
        {
            foreach (var slot in slots.Where(s => s >= 0).Distinct())
            {
                if (!_bySlot.TryGetValue(slot, out var adapter))
                {
                    throw new ArgumentException($"no adapter is resident in slot {slot}", nameof(slots));
                }
                int[] rows = [.. Enumerable.Range(0, slots.Length).Where(b => slots[b] == slot).SelectMany(b => Enumerable.Range(b * length, length))];
                groups.Add((adapter.Linears, rows));
            }
            if (slots.Any(s => s < -1))
            {
                throw new ArgumentException("a slot is −1 (the base alone) or an adapter's slot", nameof(slots));
            }
        }
        return new RowAdapters(groups);
    }

    /// <summary>Adapter bytes that the products of one forward read, the rows grouped as <see cref="Plan"/> groups them (the serve benchmark's count).</summary>
    internal long AdapterBytesRead(int[] slots, int length)
    {
        lock (_gate)
        {
            return slots.Where(s => s >= 0).GroupBy(s => s).Sum(g => _bySlot[g.Key].Linears.Values.Sum(l => l.BytesRead(g.Count() * length)));
        }
    }

    private void CheckNewName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        lock (_gate)
        {
            if (_byName.ContainsKey(name))
            {
                throw new ArgumentException($"an adapter named '{name}' is already loaded", nameof(name));
            }
        }
    }

    /// <summary>Frees every adapter, leased or not.</summary>
    public void Dispose()
    {
        List<BankedAdapter> all;
        lock (_gate)
        {
            all = [.. _bySlot.Values];
            _bySlot.Clear();
            _byName.Clear();
        }
        all.ForEach(a => a.Free());
    }
}
