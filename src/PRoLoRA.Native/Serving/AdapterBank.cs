using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.IO;
using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Serving;

/// <summary>
/// Many adapters resident at once over one <see cref="LlamaModel"/>'s frozen base, each by name and
/// slot, each with its own sizes and target modules. Thread-safe: adapters can be loaded and
/// unloaded while an engine runs. Unloading a leased adapter removes its name at once (new requests
/// cannot find it) but frees its tensors only when the last lease ends, so running requests finish
/// on it. The bank owns its adapters; disposing it frees them all (the model stays).
/// With a <see cref="DeviceCapacity"/> of K (as S-LoRA), every adapter lives in host memory and at most K
/// also on the model's device: a forward copies the ones it uses to the device, first evicting the least
/// recently used of those it does not use.
/// </summary>
public sealed class AdapterBank : IDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, BankedAdapter> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<int, BankedAdapter> _bySlot = [];
    private int _nextSlot;

    private long _clock;
    private long _swapIns;

    /// <summary>
    /// An empty bank over <paramref name="model"/> whose adapters compute their products as <paramref name="products"/> says;
    /// with <paramref name="deviceCapacity"/>, at most that many adapters on the model's device at once, the rest in host memory.
    /// </summary>
    public AdapterBank(LlamaModel model, AdapterProducts products = AdapterProducts.Compact, int? deviceCapacity = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!Enum.IsDefined(products))
        {
            throw new ArgumentOutOfRangeException(nameof(products), products, "not an AdapterProducts value");
        }
        if (deviceCapacity is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(deviceCapacity), deviceCapacity, "the device must hold at least one adapter");
        }
        Model = model;
        Products = products;
        DeviceCapacity = deviceCapacity;
    }

    /// <summary>The most adapters on the device at once (the rest in host memory), or null: every adapter stays on the device.</summary>
    public int? DeviceCapacity { get; }

    /// <summary>Adapters copied from host memory to the device so far.</summary>
    public long SwapIns => Interlocked.Read(ref _swapIns);

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

    /// <summary>Device bytes of every adapter on the device, draining ones included.</summary>
    public long TotalBytes
    {
        get
        {
            lock (_gate)
            {
                return _bySlot.Values.Where(a => a.Linears is not null).Sum(a => a.Bytes);
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
        return Add(name, AdapterFolder.Load(folder, DeviceCapacity is null ? Model.Backend : CpuBackend.Instance));
    }

    /// <summary>Adds <paramref name="adapters"/> (module path → adapter; the bank owns them from now on, also on error) as <paramref name="name"/>.</summary>
    public AdapterInfo Add(string name, IReadOnlyDictionary<string, ProLoraAdapter> adapters)
    {
        ArgumentNullException.ThrowIfNull(adapters);
        var owned = new List<ProLoraAdapter>(adapters.Values);
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
                var c = adapter.Config;
                if (linear.Weight.Shape != new Shape(c.OutFeatures, c.InFeatures))
                {
                    // Checked here, not only when a swapping bank first puts the adapter on the device.
                    throw new ArgumentException($"adapter '{name}': '{path}' is {c.InFeatures}→{c.OutFeatures}, but the model's linear is {linear.Weight.Shape[1]}→{linear.Weight.Shape[0]}", nameof(adapters));
                }
            }
            long bytes = adapters.Values.Sum(a => DeviceBytes(a.Config));
            IReadOnlyList<string> modules = [.. adapters.Keys.Order(StringComparer.Ordinal)];
            IReadOnlyDictionary<string, BankedLinear>? linears = null;
            IReadOnlyDictionary<string, ProLoraAdapter>? home = null;
            if (DeviceCapacity is null)
            {
                linears = Linears(adapters, owned);
            }
            else
            {
                home = adapters.ToDictionary(kv => kv.Key, kv => Copy(kv.Value, CpuBackend.Instance, owned), StringComparer.Ordinal);
            }
            var banked = new BankedAdapter(name, -1, bytes, modules, home) { Linears = linears };
            try
            {
                lock (_gate)
                {
                    CheckNewName(name);
                    banked = new BankedAdapter(name, _nextSlot++, bytes, modules, home) { Linears = linears };
                    _byName[name] = banked;
                    _bySlot[banked.Slot] = banked;
                    return banked.Info();
                }
            }
            catch
            {
                banked.Free(); // the name was taken meanwhile
                throw;
            }
        }
        finally
        {
            foreach (var adapter in owned)
            {
                adapter.Dispose();
            }
        }
    }

    /// <summary>Bytes an adapter of <paramref name="c"/> takes on the device: its compact tensors, and A and B when kept.</summary>
    private long DeviceBytes(ProLoraConfig c) => sizeof(float) * (
        ((long)c.SharedRank * c.ChunkSizeA) + ((long)c.UnsharedRank * c.InFeatures) + ((long)c.ChunkSizeB * c.SharedRank) + ((long)c.UnsharedRank * c.OutFeatures) +
        (Products == AdapterProducts.Materialised ? (long)c.Rank * (c.InFeatures + c.OutFeatures) : 0));

    /// <summary>The linears of <paramref name="adapters"/> (on the model's device) over the model's base; each adapter leaves <paramref name="owned"/> once a linear holds it.</summary>
    private Dictionary<string, BankedLinear> Linears(IReadOnlyDictionary<string, ProLoraAdapter> adapters, List<ProLoraAdapter> owned)
    {
        var linears = new Dictionary<string, BankedLinear>(StringComparer.Ordinal);
        try
        {
            foreach (var (path, adapter) in adapters)
            {
                Model.TryGetBaseLinear(path, out var linear);
                var adapted = new ProLoraLinear(linear.Weight, linear.Bias, adapter, ownsBase: false);
                owned.Remove(adapter);
                try
                {
                    linears[path] = new BankedLinear(adapted, Products);
                }
                catch
                {
                    adapted.Dispose();
                    throw;
                }
            }
            return linears;
        }
        catch
        {
            foreach (var linear in linears.Values)
            {
                linear.Dispose();
            }
            throw;
        }
    }

    /// <summary><paramref name="adapter"/> on <paramref name="backend"/>: itself when it is there, else a copy (and the original joins <paramref name="owned"/> to be freed).</summary>
    private static ProLoraAdapter Copy(ProLoraAdapter adapter, IBackend backend, List<ProLoraAdapter> owned)
    {
        if (ReferenceEquals(adapter.Backend, backend))
        {
            owned.Remove(adapter);
            return adapter;
        }
        return Clone(adapter, backend);
    }

    /// <summary>A copy of <paramref name="adapter"/>'s four tensors on <paramref name="backend"/>.</summary>
    private static ProLoraAdapter Clone(ProLoraAdapter adapter, IBackend backend)
    {
        var tensors = adapter.Parameters.Select(p => backend.FromArray(p.Value.ToArray(), p.Value.Shape)).ToArray();
        return new ProLoraAdapter(adapter.Config, tensors[0], tensors[1], tensors[2], tensors[3]);
    }

    /// <summary>
    /// Puts <paramref name="adapter"/> on the device (a swapping bank): first evicts the least recently used adapters
    /// outside <paramref name="needed"/> until there is room. Under the gate.
    /// </summary>
    private void MakeResident(BankedAdapter adapter, HashSet<int> needed)
    {
        if (adapter.Linears is not null || adapter.Home is null)
        {
            return;
        }
        int capacity = DeviceCapacity!.Value;
        while (_bySlot.Values.Count(a => a.Linears is not null) >= capacity)
        {
            // Adapters no request holds go first, so that a prefill does not evict what the running batch decodes with.
            var victim = _bySlot.Values.Where(a => a.Linears is not null && !needed.Contains(a.Slot)).OrderBy(a => a.Leases > 0).ThenBy(a => a.LastUsed).FirstOrDefault()
                ?? throw new InvalidOperationException($"one forward uses {needed.Count} adapters, more than the {capacity} the device holds (deviceCapacity)");
            victim.Evict();
        }
        var copies = new List<ProLoraAdapter>();
        try
        {
            foreach (var home in adapter.Home.Values)
            {
                copies.Add(Clone(home, Model.Backend));
            }
            var byPath = adapter.Home.Keys.Zip(copies).ToDictionary(kv => kv.First, kv => kv.Second, StringComparer.Ordinal);
            adapter.Linears = Linears(byPath, copies);
            Interlocked.Increment(ref _swapIns);
        }
        finally
        {
            foreach (var copy in copies)
            {
                copy.Dispose();
            }
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
        var needed = slots.Where(s => s >= 0).ToHashSet();
        lock (_gate)
        {
            foreach (var slot in needed)
            {
                if (!_bySlot.TryGetValue(slot, out var adapter))
                {
                    throw new ArgumentException($"no adapter is resident in slot {slot}", nameof(slots));
                }
                adapter.LastUsed = ++_clock;
                MakeResident(adapter, needed);
                int[] rows = [.. Enumerable.Range(0, slots.Length).Where(b => slots[b] == slot).SelectMany(b => Enumerable.Range(b * length, length))];
                groups.Add((adapter.Linears!, rows));
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
            return slots.Where(s => s >= 0).GroupBy(s => s).Sum(g => _bySlot[g.Key].Linears?.Values.Sum(l => l.BytesRead(g.Count() * length)) ?? 0);
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
