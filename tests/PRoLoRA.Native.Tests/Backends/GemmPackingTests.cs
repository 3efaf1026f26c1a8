using PRoLoRA.Native.Backends.Cpu;

namespace PRoLoRA.Native.Tests.Backends;

/// <summary>
/// GemmPacking's panels element by element against their definition, for both operand layouts, every
/// panel height (6, 12 and 16 rows of A; 16 and 32 columns of B) and depths that leave a remainder
/// after the vector transposes.
/// </summary>
public unsafe class GemmPackingTests
{
    private static readonly int[] Depths = [1, 3, 4, 7, 8, 13, 64, 67];

    [TestCase(false, 6)]
    [TestCase(true, 6)]
    [TestCase(false, 12)]
    [TestCase(true, 12)]
    [TestCase(false, 16)]
    [TestCase(true, 16)]
    public void PackA_MatchesPanelDefinition(bool transA, int mr)
    {
        const int rows = 2 * 16 + 5, lda = 90, i0 = 2, p0 = 3;
        var a = Values(lda * 90);
        foreach (int kc in Depths)
        {
            foreach (int mc in new[] { mr, rows })
            {
                int panels = (mc + mr - 1) / mr;
                var packed = new float[panels * mr * kc];
                fixed (float* pa = a, dst = packed)
                {
                    GemmPacking.PackA(transA, pa, lda, i0, mc, p0, kc, mr, dst);
                }
                for (int panel = 0; panel < panels; panel++)
                {
                    for (int p = 0; p < kc; p++)
                    {
                        for (int r = 0; r < mr; r++)
                        {
                            int i = (panel * mr) + r;
                            float expected = i >= mc ? 0f : transA ? a[((p0 + p) * lda) + i0 + i] : a[((i0 + i) * lda) + p0 + p];
                            Assert.That(packed[(panel * mr * kc) + (p * mr) + r], Is.EqualTo(expected), $"kc {kc} mc {mc} panel {panel} p {p} row {r}");
                        }
                    }
                }
            }
        }
    }

    [TestCase(false, 16)]
    [TestCase(true, 16)]
    [TestCase(false, 32)]
    [TestCase(true, 32)]
    public void PackB_MatchesPanelDefinition(bool transB, int nr)
    {
        const int ldb = 80, j0 = 1, p0 = 2;
        var b = Values(ldb * 80);
        foreach (int kc in Depths)
        {
            foreach (int nc in new[] { 16, 32, 16 + 16 + 9, 32 + 32 + 9 })
            {
                int panels = (nc + nr - 1) / nr;
                var packed = new float[panels * nr * kc];
                fixed (float* pb = b, dst = packed)
                {
                    GemmPacking.PackB(transB, pb, ldb, p0, kc, j0, nc, dst, nr);
                }
                for (int panel = 0; panel < panels; panel++)
                {
                    for (int p = 0; p < kc; p++)
                    {
                        for (int c = 0; c < nr; c++)
                        {
                            int j = (panel * nr) + c;
                            float expected = j >= nc ? 0f : transB ? b[((j0 + j) * ldb) + p0 + p] : b[((p0 + p) * ldb) + j0 + j];
                            Assert.That(packed[(panel * nr * kc) + (p * nr) + c], Is.EqualTo(expected), $"kc {kc} nc {nc} panel {panel} p {p} column {c}");
                        }
                    }
                }
            }
        }
    }

    // Distinct values, so a misplaced element cannot match by accident.
    private static float[] Values(int count) => [.. Enumerable.Range(0, count).Select(i => i + 1f)];
}
