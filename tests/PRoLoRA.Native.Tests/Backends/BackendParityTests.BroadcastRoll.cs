using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Tensors;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.BackendParity;

/// <summary>
/// Broadcast-with-roll and its gradient over <see cref="BroadcastRollCase.All"/>, laid out as A
/// (row-major r×in), as B (row-major out×r, built through the views Bᵀ and chunk_bᵀ) and mixed
/// (a row-major chunk into a transposed full: the element-wise path).
/// </summary>
public abstract partial class BackendParityTests
{
    /// <summary>How the chunk and full are stored.</summary>
    [Flags]
    public enum RollLayout
    {
        /// <summary>Both row-major, as A.</summary>
        A = 1,

        /// <summary>Both transposed views, as Bᵀ.</summary>
        B = 2,

        /// <summary>Row-major chunk, transposed full.</summary>
        Mixed = 4,

        /// <summary>As A, every matrix inside longer rows (strides honoured, padding neither read nor written).</summary>
        Padded = 8,
    }

    /// <summary>Every case in every layout.</summary>
    public static IEnumerable<TestCaseData> RollCases() =>
        BroadcastRollCase.All().SelectMany(c => Enum.GetValues<RollLayout>().Select(layout => new TestCaseData(c, layout)));

    /// <summary>Every case in every layout, with beta 0 and 1.</summary>
    public static IEnumerable<TestCaseData> RollGradCases() =>
        RollCases().SelectMany(d => new[] { new TestCaseData(d.Arguments[0], d.Arguments[1], 0f), new TestCaseData(d.Arguments[0], d.Arguments[1], 1f) });

    [TestCaseSource(nameof(RollCases))]
    public void BroadcastRoll_MatchesTheDefinition(BroadcastRollCase c, RollLayout layout)
    {
        var (chunk, chunkHost) = layout switch
        {
            RollLayout.B => TransposedPair(c.Rs, c.Cs),
            RollLayout.Padded => PaddedPair(c.Rs, c.Cs),
            _ => RandomPair(c.Rs, c.Cs),
        };
        var (vec, vecHost) = layout == RollLayout.Padded ? PaddedPair(c.U, c.Dim) : RandomPair(c.U, c.Dim);
        var (full, stored) = Output(NaNs(c.R * c.Dim), c.R, c.Dim, layout, transposedIn: RollLayout.B | RollLayout.Mixed);
        Backend.BroadcastRoll(chunk, vec, full, c.Shift);
        AssertExact(full, CpuBackend.Reference.BroadcastRoll(chunkHost, vecHost, c.Rs, c.U, c.Dim, c.Cs, c.Shift), "full");
        if (layout == RollLayout.Padded)
        {
            AssertPaddingKept(stored, c.R, c.Dim);
        }
    }

    [TestCaseSource(nameof(RollGradCases))]
    public void BroadcastRollGrad_MatchesTheDefinition(BroadcastRollCase c, RollLayout layout, float beta)
    {
        var (dFull, dFullHost) = layout switch
        {
            RollLayout.A => RandomPair(c.R, c.Dim),
            RollLayout.Padded => PaddedPair(c.R, c.Dim),
            _ => TransposedPair(c.R, c.Dim),
        };
        var expectedChunk = beta == 0f ? NaNs(c.Rs * c.Cs) : Randoms(c.Rs * c.Cs);
        var expectedVec = beta == 0f ? NaNs(c.U * c.Dim) : Randoms(c.U * c.Dim);
        var (dChunk, chunkStored) = Output(expectedChunk, c.Rs, c.Cs, layout, transposedIn: RollLayout.B);
        var (dVec, vecStored) = Output(expectedVec, c.U, c.Dim, layout, transposedIn: 0);
        Backend.BroadcastRollGrad(dFull, dChunk, dVec, c.Shift, beta);
        CpuBackend.Reference.BroadcastRollGrad(dFullHost, expectedChunk, expectedVec, c.Rs, c.U, c.Dim, c.Cs, c.Shift, beta);
        AssertClose(dChunk, expectedChunk, "dChunk");
        AssertClose(dVec, expectedVec, "dVec");
        if (layout == RollLayout.Padded)
        {
            AssertPaddingKept(chunkStored, c.Rs, c.Cs);
            AssertPaddingKept(vecStored, c.U, c.Dim);
        }
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
        e = Assert.Throws<ArgumentException>(() => Backend.BroadcastRollGrad(full, chunk, vec, 1, 0f));
        Assert.That(e!.ParamName, Is.EqualTo("dFull"), "the gradient names its own arguments");
    }

    /// <summary>
    /// An output (rows×cols) holding <paramref name="logical"/>: a padded view in the padded layout, a
    /// transposed view in the layouts of <paramref name="transposedIn"/>, else contiguous; and its storage.
    /// </summary>
    private (Tensor View, Tensor Stored) Output(float[] logical, int rows, int cols, RollLayout layout, RollLayout transposedIn)
    {
        if (layout == RollLayout.Padded)
        {
            return Padded(logical, rows, cols);
        }
        if (layout != RollLayout.A && (transposedIn & layout) == layout)
        {
            var stored = Pair(HostArrays.Transpose(logical, rows, cols), cols, rows).Dev;
            return (stored.T, stored);
        }
        var contiguous = Pair(logical, rows, cols).Dev;
        return (contiguous, contiguous);
    }
}
