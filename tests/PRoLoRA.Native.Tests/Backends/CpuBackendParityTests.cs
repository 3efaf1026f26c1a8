using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Backends.Cpu;

namespace PRoLoRA.Native.Tests.BackendParity;

/// <summary>The parity body on the CPU backend: its fast paths (CpuGemm, CpuBroadcastRoll, TensorPrimitives) against the plain formulas.</summary>
[TestFixture]
public sealed class CpuBackendParityTests : BackendParityTests
{
    /// <inheritdoc/>
    protected override IBackend CreateBackend() => CpuBackend.Instance;
}
