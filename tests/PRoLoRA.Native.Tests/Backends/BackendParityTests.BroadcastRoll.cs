using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Tests.BackendParity;

/// <summary>
/// Broadcast-with-roll and its gradient, laid out as A (row-major r×in) and as B (row-major out×r,
/// built through the views Bᵀ and chunk_bᵀ), over <see cref="BroadcastRollCase.All"/>.
/// </summary>
public abstract partial class BackendParityTests
{
    /// <summary>Every case, for A and for B.</summary>
    public static IEnumerable<TestCaseData> RollCases() =>
        BroadcastRollCase.All().SelectMany(c => new[] { new TestCaseData(c, false), new TestCaseData(c, true) });

    /// <summary>Every case, for A and for B, with beta 0 and 1.</summary>
    public static IEnumerable<TestCaseData> RollGradCases() =>
        BroadcastRollCase.All().SelectMany(c => new[]
        {
            new TestCaseData(c, false, 0f), new TestCaseData(c, true, 0f), new TestCaseData(c, false, 1f), new TestCaseData(c, true, 1f),
        });

    [TestCaseSource(nameof(RollCases))]
    public void BroadcastRoll_MatchesCpu(BroadcastRollCase c, bool layoutB)
    {
        var (chunk, chunkRef) = layoutB ? TransposedPair(c.Rs, c.Cs) : RandomPair(c.Rs, c.Cs);
        var (vec, vecRef) = RandomPair(c.U, c.Dim);
        var (stored, storedRef) = layoutB ? Pair(NaNs(c.Dim * c.R), c.Dim, c.R) : Pair(NaNs(c.R * c.Dim), c.R, c.Dim);
        Backend.BroadcastRoll(chunk, vec, layoutB ? stored.T : stored, c.Shift);
        Cpu.BroadcastRoll(chunkRef, vecRef, layoutB ? storedRef.T : storedRef, c.Shift);
        AssertExact(stored, storedRef, layoutB ? "B" : "A");
    }

    [TestCaseSource(nameof(RollGradCases))]
    public void BroadcastRollGrad_MatchesCpu(BroadcastRollCase c, bool layoutB, float beta)
    {
        var (dStored, dStoredRef) = layoutB ? RandomPair(c.Dim, c.R) : RandomPair(c.R, c.Dim);
        var chunkInit = beta == 0f ? NaNs(c.Rs * c.Cs) : Randoms(c.Rs * c.Cs);
        var (dChunkStored, dChunkStoredRef) = layoutB ? Pair(chunkInit, c.Cs, c.Rs) : Pair(chunkInit, c.Rs, c.Cs);
        var (dVec, dVecRef) = Pair(beta == 0f ? NaNs(c.U * c.Dim) : Randoms(c.U * c.Dim), c.U, c.Dim);
        Backend.BroadcastRollGrad(layoutB ? dStored.T : dStored, layoutB ? dChunkStored.T : dChunkStored, dVec, c.Shift, beta);
        Cpu.BroadcastRollGrad(layoutB ? dStoredRef.T : dStoredRef, layoutB ? dChunkStoredRef.T : dChunkStoredRef, dVecRef, c.Shift, beta);
        AssertClose(dChunkStored, dChunkStoredRef, "dChunk");
        AssertClose(dVec, dVecRef, "dVec");
    }

    [Test]
    public void BroadcastRoll_BadShapes_NameTheArgument()
    {
        var (chunk, _) = RandomPair(3, 4);
        var (vec, _) = RandomPair(1, 10);
        var (full, _) = RandomPair(5, 10);
        var e = Assert.Throws<ArgumentException>(() => Backend.BroadcastRoll(chunk, vec, full, 1));
        Assert.That(e!.ParamName, Is.EqualTo("full"));
        var (full4, _) = RandomPair(4, 10);
        Assert.That(() => Backend.BroadcastRoll(chunk, vec, full4, -1), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("shift"));
        var (wideVec, _) = RandomPair(1, 11);
        e = Assert.Throws<ArgumentException>(() => Backend.BroadcastRoll(chunk, wideVec, full4, 1));
        Assert.That(e!.ParamName, Is.EqualTo("vec"));
    }

    [Test]
    public void BroadcastRoll_Shapes_AreChecked_ForEmptyChunk()
    {
        var c = new BroadcastRollCase(3, 3, 6, 2, null);
        var (chunk, chunkRef) = Pair([], 0, 3);
        var (vec, vecRef) = RandomPair(3, 6);
        var (full, fullRef) = Pair(NaNs(18), 3, 6);
        Backend.BroadcastRoll(chunk, vec, full, c.Shift);
        Cpu.BroadcastRoll(chunkRef, vecRef, fullRef, c.Shift);
        AssertExact(full, fullRef, "full of plain LoRA");
        Assert.That(full.Shape, Is.EqualTo(new Shape(3, 6)));
    }
}
