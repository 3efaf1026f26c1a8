using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Backends.Cpu;

namespace PRoLoRA.Native.Tests.BackendParity;

/// <summary>The parity body against the CPU backend itself: checks the test body (every comparison must hold trivially).</summary>
[TestFixture]
public sealed class CpuBackendParityTests : BackendParityTests
{
    /// <inheritdoc/>
    protected override IBackend CreateBackend() => CpuBackend.Instance;
}
