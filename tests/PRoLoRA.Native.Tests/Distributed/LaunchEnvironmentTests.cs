using PRoLoRA.Native.Distributed;

namespace PRoLoRA.Native.Tests.Distributed;

/// <summary>The launch variables of mpirun and torchrun-style launchers: what they say, and every half-set or contradictory set refused naming the variable.</summary>
public class LaunchEnvironmentTests
{
    private static LaunchEnvironment Read(params (string, string)[] set) => LaunchEnvironment.Read(SingleProcessCollectiveTests.Variables(set));

    [Test]
    public void OpenMpiVariables_GiveRankSizeAndLocalRank()
    {
        var launch = Read(("OMPI_COMM_WORLD_RANK", "3"), ("OMPI_COMM_WORLD_SIZE", "4"), ("OMPI_COMM_WORLD_LOCAL_RANK", "1"));

        Assert.That(launch, Is.EqualTo(new LaunchEnvironment(Launcher.Mpi, 3, 4, 1, null, 0, LaunchEnvironment.DefaultTimeout)));
        Assert.That(launch.IsDistributed, Is.True);
    }

    [Test]
    public void TorchRunVariables_GiveRankSizeLocalRankAndTheMaster()
    {
        var launch = Read(("RANK", "1"), ("WORLD_SIZE", "2"), ("LOCAL_RANK", "0"), ("MASTER_ADDR", " node0 "), ("MASTER_PORT", "29500"), ("PROLORA_COLLECTIVE_TIMEOUT", "2.5"));

        Assert.That(launch, Is.EqualTo(new LaunchEnvironment(Launcher.TorchRun, 1, 2, 0, "node0", 29500, TimeSpan.FromSeconds(2.5))));
    }

    [Test]
    public void AWorldOfOne_IsNotDistributed_AndNeedsNoMaster()
    {
        Assert.That(Read(("RANK", "0"), ("WORLD_SIZE", "1")).IsDistributed, Is.False);
        Assert.That(Read().Launcher, Is.EqualTo(Launcher.None));
    }

    [TestCase("RANK", "0", null, null, "RANK is set but WORLD_SIZE is not")]
    [TestCase("WORLD_SIZE", "2", null, null, "WORLD_SIZE is set but RANK is not")]
    [TestCase("OMPI_COMM_WORLD_RANK", "0", null, null, "OMPI_COMM_WORLD_RANK is set but OMPI_COMM_WORLD_SIZE is not")]
    [TestCase("RANK", "2", "WORLD_SIZE", "2", "RANK = 2 is not below WORLD_SIZE = 2")]
    [TestCase("OMPI_COMM_WORLD_RANK", "5", "OMPI_COMM_WORLD_SIZE", "4", "OMPI_COMM_WORLD_RANK = 5 is not below OMPI_COMM_WORLD_SIZE = 4")]
    [TestCase("RANK", "-1", "WORLD_SIZE", "2", "RANK must be a whole number >= 0, got '-1'")]
    [TestCase("RANK", "0", "WORLD_SIZE", "0", "WORLD_SIZE must be a whole number >= 1, got '0'")]
    [TestCase("RANK", "0", "WORLD_SIZE", "two", "WORLD_SIZE must be a whole number >= 1, got 'two'")]
    [TestCase("RANK", "0", "WORLD_SIZE", "2", "MASTER_ADDR is not")]
    public void HalfSetOrBadVariables_AreRefusedNamingThem(string first, string firstValue, string? second, string? secondValue, string message)
    {
        var set = new List<(string, string)> { (first, firstValue) };
        if (second is not null)
        {
            set.Add((second, secondValue!));
        }

        var e = Assert.Throws<CollectiveException>(() => Read([.. set]));

        Assert.That(e!.Message, Does.Contain(message));
    }

    [Test]
    public void AMissingOrBadMasterPort_IsRefusedNamingIt()
    {
        var missing = Assert.Throws<CollectiveException>(() => Read(("RANK", "0"), ("WORLD_SIZE", "2"), ("MASTER_ADDR", "h")));
        var bad = Assert.Throws<CollectiveException>(() => Read(("RANK", "0"), ("WORLD_SIZE", "2"), ("MASTER_ADDR", "h"), ("MASTER_PORT", "70000")));

        Assert.That(missing!.Message, Does.Contain("MASTER_PORT is not"));
        Assert.That(bad!.Message, Does.Contain("MASTER_PORT must be a port number in [1, 65535], got '70000'"));
    }

    [Test]
    public void MpirunAndWorldSizeDisagreeing_IsAWorldSizeMismatch()
    {
        var e = Assert.Throws<CollectiveException>(() => Read(("OMPI_COMM_WORLD_RANK", "0"), ("OMPI_COMM_WORLD_SIZE", "2"), ("WORLD_SIZE", "4")));

        Assert.That(e!.Message, Does.Contain("world size mismatch").And.Contain("OMPI_COMM_WORLD_SIZE").And.Contain("WORLD_SIZE says 4"));
    }

    [TestCase("0")]
    [TestCase("-3")]
    [TestCase("soon")]
    [TestCase("NaN")]
    public void ABadTimeout_IsRefusedNamingTheVariable(string value)
    {
        var e = Assert.Throws<CollectiveException>(() => Read(("PROLORA_COLLECTIVE_TIMEOUT", value)));

        Assert.That(e!.Message, Does.Contain($"PROLORA_COLLECTIVE_TIMEOUT must be a number of seconds in (0, 604800], got '{value}'"));
    }
}
