namespace PRoLoRA.Native.Serving;

/// <summary>A request or lookup named an adapter that the bank does not hold (never loaded, or unloaded).</summary>
public sealed class UnknownAdapterException(string name)
    : KeyNotFoundException($"no adapter named '{name}' is loaded")
{
    /// <summary>The name asked for.</summary>
    public string AdapterName { get; } = name;
}
