using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Backends.Cpu;

namespace PRoLoRA.Native.Tests.Support;

/// <summary>
/// A fixture whose tests run on one backend: the concrete class opens it (or skips there when it
/// is unavailable) once per fixture, and it is disposed at the end (the shared CPU backend is not).
/// </summary>
public abstract class BackendFixture
{
    private IBackend? _backend;

    /// <summary>The backend under test; called once per fixture.</summary>
    protected abstract IBackend CreateBackend();

    /// <summary>The backend under test.</summary>
    protected IBackend Backend => _backend ?? throw new InvalidOperationException("the backend opens in OneTimeSetUp");

    /// <summary>Opens the backend.</summary>
    [OneTimeSetUp]
    public void OpenBackend() => _backend = CreateBackend();

    /// <summary>Closes the backend.</summary>
    [OneTimeTearDown]
    public void CloseBackend()
    {
        if (_backend is not null && !ReferenceEquals(_backend, CpuBackend.Instance))
        {
            _backend.Dispose();
        }
        _backend = null;
    }
}
