using PRoLoRA.Native.Backends.Cpu;

namespace PRoLoRA.Native.Tests.HostKernels;

/// <summary>
/// broadcast_roll and broadcast_roll_grad through the host shim against <see cref="CpuBackend"/>,
/// for A (row-major, rank_fastest 0), for B (the views chunk_bᵀ and Bᵀ, rank_fastest 1) and for
/// A inside padded rows (strides honoured, padding neither read nor written).
/// </summary>
public sealed class BroadcastRollTests : HostKernelFixture
{
    /// <summary>How the operands are laid out.</summary>
    public enum Layout
    {
        /// <summary>A: chunk_a, vec_a and A row-major.</summary>
        A,

        /// <summary>B: chunk_bᵀ and Bᵀ as transposed views of row-major chunk_b and B; vec_b row-major.</summary>
        B,

        /// <summary>A with every matrix inside longer rows.</summary>
        PaddedA,
    }

    // r, u, dim (in or out), sharing rate (m or n), shift (−1: the default max(rs / m, 1)).
    private static readonly (int R, int U, int Dim, int Sharing, int Shift, string Why)[] Shapes =
    [
        (8, 1, 10, 3, -1, "ragged last copy: 10 = 4 + 4 + 2"),
        (4, 0, 12, 4, -1, "u = 0: every rank shared"),
        (3, 3, 7, 2, -1, "u = r: plain LoRA, rs = 0"),
        (6, 2, 9, 3, 0, "rotation off: shift 0"),
        (5, 3, 11, 4, 3, "shift override 3, larger than rs = 2"),
        (4, 1, 6, 1, -1, "m = 1: a single copy"),
        (2, 0, 5, 5, -1, "chunk width 1"),
        (16, 4, 100, 7, -1, "r = 16, u = 4, m = 7, ragged"),
        (8, 1, 600, 7, 5, "several blocks, shift 5"),
    ];

    /// <summary>Every shape in every layout.</summary>
    public static IEnumerable<TestCaseData> ForwardCases() =>
        from layout in Enum.GetValues<Layout>()
        from s in Shapes
        select new TestCaseData(layout, s.R, s.U, s.Dim, s.Sharing, s.Shift).SetDescription(s.Why);

    /// <summary>Every forward case with beta 0 (outputs start as NaN), 1 and 0.5.</summary>
    public static IEnumerable<TestCaseData> GradCases() =>
        from layout in Enum.GetValues<Layout>()
        from s in Shapes
        from beta in new[] { 0f, 1f, 0.5f }
        select new TestCaseData(layout, s.R, s.U, s.Dim, s.Sharing, s.Shift, beta).SetDescription(s.Why);

    /// <summary>The full matrix equals the CPU backend's, bit for bit (it is a gather).</summary>
    [TestCaseSource(nameof(ForwardCases))]
    public void BroadcastRoll_MatchesCpu(Layout layout, int r, int u, int dim, int sharing, int shift)
    {
        var rng = new Random((r * 7919) + dim);
        var g = new Geometry(layout, r, u, dim, sharing, shift);
        var chunk = g.Chunk().Fill(() => RandomFloat(rng));
        var vec = g.Vec().Fill(() => RandomFloat(rng));
        var full = g.Full();
        var dChunk = Upload<float>(chunk.Storage);
        var dVec = Upload<float>(vec.Storage);
        var dFull = Upload<float>(full.Storage);

        CpuBackend.Instance.BroadcastRoll(chunk.Cpu(), vec.Cpu(), full.Cpu(), g.Shift);
        Run("broadcast_roll", r * dim, new KernelArgs
        {
            dChunk, chunk.Strides[0], chunk.Strides[1],
            dVec, vec.Strides[0], vec.Strides[1],
            dFull, full.Strides[0], full.Strides[1],
            g.Rs, u, dim, g.Cs, g.Shift, g.RankFastest,
        });

        FloatAssert.Exact(dFull.Download(), full.Storage, "full");
    }

    /// <summary>The chunk and vec gradients equal the CPU backend's, including beta and the rolled-back ragged sums.</summary>
    [TestCaseSource(nameof(GradCases))]
    public void BroadcastRollGrad_MatchesCpu(Layout layout, int r, int u, int dim, int sharing, int shift, float beta)
    {
        var rng = new Random((r * 7919) + dim + 1);
        var g = new Geometry(layout, r, u, dim, sharing, shift);
        var dFullView = g.Full().Fill(() => RandomFloat(rng));
        // beta = 0 must not read the outputs: they start as NaN, which would spread into the sums.
        Func<float> initial = beta == 0f ? () => float.NaN : () => RandomFloat(rng);
        var dChunkView = g.Chunk().Fill(initial);
        var dVecView = g.Vec().Fill(initial);
        var dFull = Upload<float>(dFullView.Storage);
        var dChunk = Upload<float>(dChunkView.Storage);
        var dVec = Upload<float>(dVecView.Storage);

        CpuBackend.Instance.BroadcastRollGrad(dFullView.Cpu(), dChunkView.Cpu(), dVecView.Cpu(), g.Shift, beta);
        Run("broadcast_roll_grad", (g.Rs * g.Cs) + (u * dim), new KernelArgs
        {
            dFull, dFullView.Strides[0], dFullView.Strides[1],
            dChunk, dChunkView.Strides[0], dChunkView.Strides[1],
            dVec, dVecView.Strides[0], dVecView.Strides[1],
            g.Rs, u, dim, g.Cs, g.Shift, beta, g.RankFastest,
        });

        Assert.Multiple(() =>
        {
            FloatAssert.Close(dChunk.Download(), dChunkView.Storage, "dchunk");
            FloatAssert.Close(dVec.Download(), dVecView.Storage, "dvec");
        });
    }

    /// <summary>Sizes and views of one case (DESIGN.md §1: cs = ceil(dim / m)).</summary>
    private sealed class Geometry(Layout layout, int r, int u, int dim, int sharing, int shift)
    {
        public int Rs { get; } = r - u;

        public int Cs { get; } = (dim + sharing - 1) / sharing;

        public int Shift { get; } = shift >= 0 ? shift : Math.Max((r - u) / sharing, 1);

        public int RankFastest => layout == Layout.B ? 1 : 0;

        public StridedView Chunk() => layout switch
        {
            Layout.B => StridedView.Transposed(Rs, Cs),
            Layout.PaddedA => StridedView.Padded(Rs, Cs, 2),
            _ => StridedView.RowMajor(Rs, Cs),
        };

        public StridedView Vec() => layout == Layout.PaddedA ? StridedView.Padded(u, dim, 1) : StridedView.RowMajor(u, dim);

        public StridedView Full() => layout switch
        {
            Layout.B => StridedView.Transposed(r, dim),
            Layout.PaddedA => StridedView.Padded(r, dim, 3),
            _ => StridedView.RowMajor(r, dim),
        };
    }
}
