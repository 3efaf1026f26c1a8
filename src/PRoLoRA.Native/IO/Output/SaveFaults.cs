namespace PRoLoRA.Native.IO.Output;

/// <summary>
/// Fault injection for the kill tests. Every atomic save calls <see cref="At"/> at each step where a
/// kill could strike (after each write, before and after each rename); a test's hook sees the disk
/// exactly as a kill at that step would leave it, or throws to stop the save there. Scoped to the
/// installing test's async flow, so parallel tests do not see each other's hooks.
/// </summary>
internal static class SaveFaults
{
    private static readonly AsyncLocal<Action<string>?> Hook = new();

    /// <summary>Calls <paramref name="hook"/> with each step's name until the result is disposed.</summary>
    public static IDisposable Install(Action<string> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        var previous = Hook.Value;
        Hook.Value = hook;
        return new Uninstall(() => Hook.Value = previous);
    }

    /// <summary>A save reached <paramref name="step"/>.</summary>
    public static void At(string step) => Hook.Value?.Invoke(step);

    private sealed class Uninstall(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }
}
