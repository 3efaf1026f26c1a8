using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace PRoLoRA.Native.Distributed;

/// <summary>
/// Shares rank 0's NCCL unique id with the other ranks of a torchrun-style launch: rank 0 listens on
/// MASTER_PORT + 1 (torchrun's own store holds MASTER_PORT) and sends the id and its world size to each
/// rank that connects; the others connect to MASTER_ADDR, retrying until the collective timeout.
/// </summary>
internal static class TcpRendezvous
{
    private const uint Magic = 0x50524C52; // "PRLR"

    /// <summary>The port rank 0 listens on.</summary>
    public static int PortOf(LaunchEnvironment launch) => launch.MasterPort == 65535 ? 65534 : launch.MasterPort + 1;

    /// <summary>Rank 0: serves <paramref name="id"/> to the other <c>WorldSize − 1</c> ranks.</summary>
    public static void Serve(LaunchEnvironment launch, ReadOnlySpan<byte> id)
    {
        int port = PortOf(launch);
        var message = Message(id, launch.WorldSize);
        using var listener = new TcpListener(Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any, port);
        try
        {
            if (Socket.OSSupportsIPv6)
            {
                listener.Server.DualMode = true;
            }
            listener.Start();
        }
        catch (SocketException e)
        {
            throw new CollectiveException($"rank 0 cannot listen on port {port} (MASTER_PORT + 1) for the NCCL rendezvous: {e.Message}", e);
        }
        var deadline = Stopwatch.StartNew();
        for (int served = 1; served < launch.WorldSize; served++)
        {
            var accept = listener.AcceptSocketAsync();
            if (!accept.Wait(Remaining(launch, deadline)))
            {
                throw new CollectiveException($"rank 0: only {served} of {launch.WorldSize} ranks reached the NCCL rendezvous on port {port} within {launch.Timeout.TotalSeconds:0} s ({LaunchEnvironment.TimeoutVariable})");
            }
            using var socket = accept.Result;
            socket.Send(message);
        }
    }

    /// <summary>Ranks above 0: the id rank 0 serves at MASTER_ADDR.</summary>
    public static byte[] Fetch(LaunchEnvironment launch)
    {
        int port = PortOf(launch);
        var where = $"MASTER_ADDR:MASTER_PORT + 1 = {launch.MasterAddress}:{port}";
        IPAddress[] addresses;
        try
        {
            addresses = Dns.GetHostAddresses(launch.MasterAddress!);
        }
        catch (SocketException e)
        {
            throw new CollectiveException($"rank {launch.Rank}: MASTER_ADDR '{launch.MasterAddress}' does not resolve: {e.Message}", e);
        }
        var deadline = Stopwatch.StartNew();
        string last = "no address";
        while (deadline.Elapsed < launch.Timeout)
        {
            foreach (var address in addresses)
            {
                try
                {
                    using var client = new TcpClient(address.AddressFamily);
                    if (!client.ConnectAsync(address, port).Wait(TimeSpan.FromSeconds(5)))
                    {
                        last = "connection attempt timed out";
                        continue;
                    }
                    client.ReceiveTimeout = (int)Math.Min(int.MaxValue, Remaining(launch, deadline).TotalMilliseconds);
                    var message = new byte[NcclUniqueId.Size + 8];
                    using var stream = client.GetStream();
                    stream.ReadExactly(message);
                    return Read(message, launch);
                }
                catch (Exception e) when (e is SocketException or IOException or AggregateException)
                {
                    last = (e as AggregateException)?.InnerException?.Message ?? e.Message;
                }
            }
            Thread.Sleep(500);
        }
        throw new CollectiveException($"rank {launch.Rank}: cannot reach rank 0's NCCL rendezvous at {where} within {launch.Timeout.TotalSeconds:0} s ({LaunchEnvironment.TimeoutVariable}): {last}");
    }

    private static byte[] Message(ReadOnlySpan<byte> id, int worldSize)
    {
        var message = new byte[NcclUniqueId.Size + 8];
        BinaryPrimitives.WriteUInt32LittleEndian(message, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(4), worldSize);
        id.CopyTo(message.AsSpan(8));
        return message;
    }

    private static byte[] Read(byte[] message, LaunchEnvironment launch)
    {
        if (BinaryPrimitives.ReadUInt32LittleEndian(message) != Magic)
        {
            throw new CollectiveException($"rank {launch.Rank}: {launch.MasterAddress}:{PortOf(launch)} is not a PRoLoRA rendezvous (another program holds MASTER_PORT + 1)");
        }
        int world = BinaryPrimitives.ReadInt32LittleEndian(message.AsSpan(4));
        if (world != launch.WorldSize)
        {
            throw new CollectiveException($"world size mismatch: rank 0 runs WORLD_SIZE = {world}, rank {launch.Rank} WORLD_SIZE = {launch.WorldSize}");
        }
        return message[8..];
    }

    private static TimeSpan Remaining(LaunchEnvironment launch, Stopwatch clock)
    {
        var left = launch.Timeout - clock.Elapsed;
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }
}
