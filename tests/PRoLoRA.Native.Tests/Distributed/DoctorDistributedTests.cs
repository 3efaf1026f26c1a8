using PRoLoRA.Native.Distributed;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Distributed;

/// <summary>`prolora doctor` reports Open MPI and NCCL: where each was found (and its version) or every path tried.</summary>
public sealed class DoctorDistributedTests
{
    [Test]
    public void Doctor_ReportsOpenMpiAndNccl()
    {
        var o = new StringWriter();
        PRoLoRA.Cli.Cli.Run(["doctor"], o, new StringWriter());
        var output = o.ToString();

        Assert.That(output, Does.Contain("Open MPI (libmpi): ").And.Contain("NCCL (libnccl): "));
        Assert.That(output, Does.Contain("tried libnccl.so.2").And.Contain("tried libmpi.so.40"));
        if (!MpiLibrary.Probe.Found)
        {
            Requirements.MissingTool(MpiLibrary.Probe.MissingReason);
        }
        Assert.That(output, Does.Match(@"Open MPI \(libmpi\): \S+ \(version Open MPI v\d+\.\d+\.\d+\)"));
        Assert.That(NcclLibrary.Probe.Found ? output : "", Does.Not.Contain("NCCL (libnccl): NOT FOUND"));
    }
}
