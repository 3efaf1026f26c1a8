using System.Net;
using System.Net.Sockets;
using PRoLoRA.Native.Distributed;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Distributed;

/// <summary>The TCP rendezvous that shares NCCL's unique id under torchrun-style variables: the id arrives whole; an unreachable master, an unknown host and a world size mismatch are errors naming them.</summary>
public class TcpRendezvousTests
{
    private static LaunchEnvironment Launch(int rank, int worldSize, string address, int masterPort, double timeoutSeconds = 20) =>
        new(Launcher.TorchRun, rank, worldSize, rank, address, masterPort, TimeSpan.FromSeconds(timeoutSeconds));

    /// <summary>A MASTER_PORT whose rendezvous port (MASTER_PORT + 1) is free now.</summary>
    private static int FreeMasterPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port - 1;
    }

    /// <summary>The exception <paramref name="call"/> throws, which must come within a minute (never a hang).</summary>
    private static CollectiveException? Failure(Action call)
    {
        var task = Task.Run(call);
        Assert.That(((IAsyncResult)task).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(60)), Is.True, "hung: no answer within 60 s");
        return task.Exception?.InnerException as CollectiveException ?? throw new AssertionException($"expected a CollectiveException, got {task.Exception?.InnerException?.ToString() ?? "none"}");
    }

    [Test]
    public void RankOne_ReceivesRankZerosId()
    {
        int port = FreeMasterPort();
        byte[] id = [.. Enumerable.Range(0, NcclUniqueId.Size).Select(i => (byte)(i * 7))];

        var serve = Task.Run(() => TcpRendezvous.Serve(Launch(0, 2, "127.0.0.1", port), id));
        var fetched = NoHang.Run(() => TcpRendezvous.Fetch(Launch(1, 2, "127.0.0.1", port)), seconds: 60);

        Assert.That(fetched, Is.EqualTo(id));
        Assert.That(serve.Wait(TimeSpan.FromSeconds(30)), Is.True);
    }

    [Test]
    public void AWorldSizeMismatch_IsRefusedNamingBothSizes()
    {
        int port = FreeMasterPort();
        _ = Task.Run(() => TcpRendezvous.Serve(Launch(0, 3, "127.0.0.1", port, 5), new byte[NcclUniqueId.Size]));

        var e = Failure(() => TcpRendezvous.Fetch(Launch(1, 2, "127.0.0.1", port)));

        Assert.That(e!.Message, Does.Contain("world size mismatch: rank 0 runs WORLD_SIZE = 3, rank 1 WORLD_SIZE = 2"));
    }

    [Test]
    public void AnUnreachableMaster_IsAnErrorNamingItAfterTheTimeout()
    {
        int port = FreeMasterPort();

        var e = Failure(() => TcpRendezvous.Fetch(Launch(1, 2, "127.0.0.1", port, 1)));

        Assert.That(e!.Message, Does.Contain($"rank 1: cannot reach rank 0's NCCL rendezvous at MASTER_ADDR:MASTER_PORT + 1 = 127.0.0.1:{port + 1} within 1 s"));
    }

    [Test]
    public void AnUnknownMasterHost_IsAnErrorNamingIt()
    {
        var e = Failure(() => TcpRendezvous.Fetch(Launch(1, 2, "no-such-host.invalid", 29500, 1)));

        Assert.That(e!.Message, Does.Contain("MASTER_ADDR 'no-such-host.invalid' does not resolve"));
    }

    [Test]
    public void RankZero_WhenNobodyComes_StopsAtTheTimeoutNamingTheCount()
    {
        int port = FreeMasterPort();

        var e = Failure(() => TcpRendezvous.Serve(Launch(0, 3, "127.0.0.1", port, 1), new byte[NcclUniqueId.Size]));

        Assert.That(e!.Message, Does.Contain("rank 0: only 1 of 3 ranks reached the NCCL rendezvous"));
    }
}
