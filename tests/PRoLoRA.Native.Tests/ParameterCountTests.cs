using PRoLoRA.Native.Adapters;

namespace PRoLoRA.Native.Tests;

public class ParameterCountTests
{
    [TestCase(2, 4_997_120)]
    [TestCase(8, 19_988_480)]
    [TestCase(16, 39_976_960)]
    [TestCase(64, 159_907_840)]
    public void LoraOnLlama2_7B_MatchesThePaper(int rank, long expected)
    {
        long count = ModelPreset.Llama2_7B.TrainableParameters(m => ProLoraConfig.Lora(m.InFeatures, m.OutFeatures, rank));
        Assert.That(count, Is.EqualTo(expected));
    }

    [TestCase(8, 1, 7, 4_999_520)]
    [TestCase(32, 4, 7, 19_998_080)]
    public void ProLoraOnLlama2_7B_MatchesThePaper(int rank, int unshared, int reduce, long expected)
    {
        long count = ModelPreset.Llama2_7B.TrainableParameters(m => ProLoraConfig.ProLora(m.InFeatures, m.OutFeatures, rank, unshared, reduce, reduce));
        Assert.That(count, Is.EqualTo(expected));
    }

    [Test]
    public void OneLinear_CountsSharedChunksWithCeilAndUnsharedRanksInFull()
    {
        var config = ProLoraConfig.ProLora(10, 9, 5, 1, 3, 2);
        Assert.That(config.ChunkSizeA, Is.EqualTo(4));
        Assert.That(config.ChunkSizeB, Is.EqualTo(5));
        Assert.That(config.TrainableParameters, Is.EqualTo((1 * (10 + 9)) + (4 * (4 + 5))));
    }

    [Test]
    public void Llama2_13B_HasFortyLayersOfSevenLinears()
    {
        long lora8 = ModelPreset.Llama2_13B.TrainableParameters(m => ProLoraConfig.Lora(m.InFeatures, m.OutFeatures, 8));
        Assert.That(lora8, Is.EqualTo(40L * 8 * ((4 * (5120 + 5120)) + (3 * (5120 + 13824)))));
    }

    [Test]
    public void DimensionsNearIntMax_AreCountedIn64Bits()
    {
        var config = ProLoraConfig.ProLora(int.MaxValue, int.MaxValue, 8, 1, 2, 3);
        Assert.That(config.ChunkSizeA, Is.EqualTo(1073741824), "ceil((2^31 - 1) / 2) without wrapping");
        Assert.That(config.ChunkSizeB, Is.EqualTo(715827883));
        Assert.That(config.TrainableParameters, Is.EqualTo((1L * 2 * int.MaxValue) + (7L * (1073741824 + 715827883))));
    }
}
