using PRoLoRA.Native.Backends.Cuda;

namespace PRoLoRA.Native.Tests.HostKernels;

/// <summary>
/// The host shim runs CUDA's execution model: shared memory with barriers, warp shuffles and votes,
/// 3-D grids and blocks, dynamic shared memory and atomics (cuda/host/shim_test_kernels.cu).
/// </summary>
public sealed class BlockModelTests : HostKernelFixture
{
    [Test]
    public void ASharedMemoryTreeReduction_SumsEveryBlock([Values(32, 256, 1024)] int block)
    {
        const int n = 3000;
        var x = Enumerable.Range(0, n).Select(i => (float)(i % 7)).ToArray();
        int blocks = (n + block - 1) / block;
        var output = Upload<float>(new float[blocks]);
        Run("shim_block_sum", new Dim3(blocks), new Dim3(block), 0, new KernelArgs { Upload<float>(x), output, n });
        var expected = Enumerable.Range(0, blocks).Select(b => x.Skip(b * block).Take(block).Sum()).ToArray();
        Assert.That(output.Download(), Is.EqualTo(expected));
    }

    [Test]
    public void WarpShufflesAndBallots_ExchangeBetweenLanes()
    {
        var x = Enumerable.Range(0, 64).Select(i => i % 3 == 0 ? -(float)i : i).ToArray();
        var sums = Upload<float>(new float[2]);
        var votes = Upload<uint>(new uint[2]);
        Run("shim_warp_sum", new Dim3(1), new Dim3(64), 0, new KernelArgs { Upload<float>(x), sums, votes });
        Assert.That(sums.Download(), Is.EqualTo(new[] { x.Take(32).Sum(), x.Skip(32).Sum() }));
        uint Ballot(int warp) => (uint)Enumerable.Range(0, 32).Where(lane => x[(warp * 32) + lane] > 0).Sum(lane => 1L << lane);
        Assert.That(votes.Download(), Is.EqualTo(new[] { Ballot(0), Ballot(1) }));
    }

    [Test]
    public void ThreeDimensionalGridsAndBlocks_ReachEveryThread()
    {
        var grid = new Dim3(3, 2, 2);
        var block = new Dim3(4, 3, 2);
        int width = 12, height = 6, depth = 4;
        var cells = Upload<int>(Enumerable.Repeat(-1, width * height * depth).ToArray());
        Run("shim_coordinates", grid, block, 0, new KernelArgs { cells });
        var expected = new int[width * height * depth];
        for (int z = 0; z < depth; z++)
        {
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    expected[(((z * height) + y) * width) + x] = x + (100 * y) + (10000 * z);
                }
            }
        }
        Assert.That(cells.Download(), Is.EqualTo(expected));
    }

    [Test]
    public void DynamicSharedMemoryAndAtomics_Work()
    {
        const int block = 100, blocks = 3;
        var x = Enumerable.Range(0, block * blocks).Select(i => (float)i).ToArray();
        var output = Upload<float>(new float[x.Length]);
        var count = Upload<int>([0]);
        Run("shim_reverse", new Dim3(blocks), new Dim3(block), block * sizeof(float), new KernelArgs { Upload<float>(x), output, count });
        var expected = Enumerable.Range(0, blocks).SelectMany(b => x.Skip(b * block).Take(block).Reverse()).ToArray();
        Assert.That(output.Download(), Is.EqualTo(expected));
        Assert.That(count.Download(), Is.EqualTo(new[] { block * blocks }));
    }
}
