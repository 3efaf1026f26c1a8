using PRoLoRA.Native.Quantization;

namespace PRoLoRA.Native.Tests.Quantization;

public class DynamicMapTests
{
    private static readonly float[] Map = DynamicMap.Signed.ToArray();

    [Test]
    public void SignedMap_HasTwoHundredFiftySixStrictlyIncreasingEntries()
    {
        Assert.That(Map, Has.Length.EqualTo(256));
        for (int i = 1; i < Map.Length; i++)
        {
            Assert.That(Map[i], Is.GreaterThan(Map[i - 1]), $"entry {i}");
        }
    }

    [Test]
    public void SignedMap_IsSymmetricAroundZero_WithOneAtTheTop()
    {
        Assert.That(Map[127], Is.EqualTo(0f));
        Assert.That(Map[255], Is.EqualTo(1f));
        for (int k = 0; k < 127; k++)
        {
            Assert.That(Map[127 - 1 - k], Is.EqualTo(-Map[128 + k]), $"pair {k}");
        }
    }

    // Hand-derived from the definition: decade i holds the 2^i means of linspace(0.1, 1, 2^i + 1), times 10^(i-6).
    [TestCase(128, 0.55e-6)]            // decade 0: mean of 0.1 and 1
    [TestCase(129, 0.325e-5)]           // decade 1: boundaries 0.1, 0.55, 1
    [TestCase(130, 0.775e-5)]
    [TestCase(131, 0.2125e-4)]          // decade 2: boundaries 0.1, 0.325, 0.55, 0.775, 1
    [TestCase(134, 0.8875e-4)]
    [TestCase(191, 0.10703125)]         // decade 6 starts after 1+2+4+8+16+32 entries: 0.1 + 0.9/128
    [TestCase(254, 0.99296875)]         // decade 6 ends at 1 − 0.9/128
    [TestCase(0, -0.99296875)]
    [TestCase(126, -0.55e-6)]
    public void SignedMap_HandDerivedEntries(int index, double expected)
        => Assert.That(Map[index], Is.EqualTo(expected).Within(Math.Abs(expected) * 1e-6));

    [Test]
    public void UnsignedMap_StartsAtZero_AndRisesToOne()
    {
        var map = DynamicMap.Create(signed: false);
        Assert.That(map, Has.Length.EqualTo(256));
        Assert.That(map[0], Is.EqualTo(0f));
        Assert.That(map[255], Is.EqualTo(1f));
        Assert.That(map[1], Is.EqualTo(0.325e-6).Within(1e-12)); // decade 0 unsigned: 2 means of 0.1, 0.55, 1
        Assert.That(map, Is.Ordered);
    }

    [Test]
    public void FewerExponentBits_StillGiveTwoHundredFiftySixOrderedEntries([Values(1, 4, 7)] int bits)
    {
        var map = DynamicMap.Create(signed: true, maxExponentBits: bits);
        Assert.That(map, Has.Length.EqualTo(256));
        Assert.That(map, Is.Ordered);
    }

    [Test]
    public void Linspace_CountsTheSecondHalfDownFromTheEnd()
    {
        var points = DynamicMap.Linspace(0.1f, 1f, 5);
        Assert.That(points[0], Is.EqualTo(0.1f));
        Assert.That(points[^1], Is.EqualTo(1f));
        Assert.That(points[2], Is.EqualTo(1f - (2 * ((1f - 0.1f) / 4))));
    }
}
