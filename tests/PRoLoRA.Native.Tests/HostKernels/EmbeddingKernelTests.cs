namespace PRoLoRA.Native.Tests.HostKernels;

/// <summary>The kernels of cuda/embedding.cu through the host shim against the CPU backend.</summary>
public sealed class EmbeddingKernelTests : HostKernelFixture
{
    private const int Vocabulary = 11, Width = 13;

    // Repeats (3, 0, 10) check the gradient's accumulation; 0 and 10 are the table's ends.
    private static readonly int[] Ids = [3, 0, 10, 3, 7, 0, 1, 3, 10, 5, 2, 9, 4, 6, 8, 3, 0, 10, 7, 1];

    /// <summary>Rows are gathered exactly.</summary>
    [Test]
    public void Embedding_MatchesCpu()
    {
        var rng = new Random(31);
        int n = Ids.Length;
        var table = RandomFloats(rng, Vocabulary * Width);
        var expected = new float[n * Width];
        var dOut = Upload<float>(NaNs(n * Width));
        Reference.Embedding(Cpu(table, Vocabulary, Width), Ids, Cpu(expected, n, Width));
        Run("embedding", n * Width, new KernelArgs { Upload<float>(table), Upload<int>(Ids), dOut, n, Width });
        FloatAssert.Exact(dOut.Download(), expected, "out");
    }

    /// <summary>Gradient rows accumulate into the table, repeated ids included.</summary>
    [Test]
    public void EmbeddingBackward_MatchesCpu()
    {
        var rng = new Random(32);
        int n = Ids.Length;
        var dOutput = RandomFloats(rng, n * Width);
        var dTable = RandomFloats(rng, Vocabulary * Width);
        var dDTable = Upload<float>(dTable);
        Reference.EmbeddingBackward(Cpu(dOutput, n, Width), Ids, Cpu(dTable, Vocabulary, Width));
        Run("embedding_backward", n * Width, new KernelArgs { Upload<float>(dOutput), Upload<int>(Ids), dDTable, n, Width });
        FloatAssert.Close(dDTable.Download(), dTable, "dtable");
    }
}
