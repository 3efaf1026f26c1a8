namespace PRoLoRA.Native.Serving;

/// <summary>One adapter in an <see cref="AdapterBank"/>.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Slot">Its slot (the per-row index of a bank forward).</param>
/// <param name="Bytes">Bytes of its tensors on the device: for a compact PRoLoRA, its compact chunks and vectors (and its A and B in a bank that keeps them, <see cref="AdapterProducts.Materialised"/>).</param>
/// <param name="Modules">Module paths it adapts.</param>
/// <param name="Leases">Requests (or other holders) using it now.</param>
/// <param name="Unloading">True once unloaded while still leased: freed when the last lease ends.</param>
/// <param name="OnDevice">False while a swapping bank (<see cref="AdapterBank.DeviceCapacity"/>) holds it in host memory only.</param>
public sealed record AdapterInfo(string Name, int Slot, long Bytes, IReadOnlyList<string> Modules, int Leases, bool Unloading, bool OnDevice = true);
