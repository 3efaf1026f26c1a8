namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>How a GEMM's C is cut into one rectangle per thread.</summary>
internal static class GemmPartition
{
    /// <summary>
    /// A tm×tn grid of at most <paramref name="threads"/> rectangles. Each thread packs the A rows and
    /// B columns its rectangle needs, so the squarest rectangles (least m/tm + n/tn) pack the least;
    /// a rectangle never gets less than one tile in either direction.
    /// </summary>
    public static (int Tm, int Tn) Grid(int threads, int m, int n, int mr, int nr)
    {
        int rowTiles = (m + mr - 1) / mr, colTiles = (n + nr - 1) / nr;
        threads = Math.Max(1, Math.Min(threads, rowTiles * colTiles));
        (int, int) best = (1, 1);
        double bestCost = double.MaxValue;
        for (int t = threads; t >= 1 && bestCost == double.MaxValue; t--)
        {
            for (int tm = 1; tm <= t; tm++)
            {
                int tn = t / tm;
                if (tm * tn != t || tm > rowTiles || tn > colTiles)
                {
                    continue;
                }
                double cost = ((double)m / tm) + ((double)n / tn);
                if (cost < bestCost)
                {
                    (best, bestCost) = ((tm, tn), cost);
                }
            }
        }
        return best;
    }

    /// <summary>The extent each of <paramref name="parts"/> gets, a multiple of the tile size.</summary>
    public static int Share(int extent, int parts, int tile)
    {
        int tiles = (extent + tile - 1) / tile;
        return (tiles + parts - 1) / parts * tile;
    }
}
