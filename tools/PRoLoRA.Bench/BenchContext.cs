using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Bench;

/// <summary>What every group needs: the backend and its clock, the sizes, the report and the console.</summary>
internal sealed class BenchContext(IBackend backend, IClock clock, BenchScale scale, Report report, TextWriter output)
{
    public IBackend Backend { get; } = backend;

    public IClock Clock { get; } = clock;

    public BenchScale Scale { get; } = scale;

    public Report Report { get; } = report;

    public TextWriter Output { get; } = output;

    public bool OnGpu => Backend.Kind == DeviceKind.Cuda;

    /// <summary>Adds a measurement to the report and prints its row.</summary>
    public void Record(Measurement m)
    {
        Report.Add(m);
        ConsoleTable.Row(Output, m);
    }

    /// <summary>Adds a memory measurement to the report and prints its row.</summary>
    public void Record(MemoryMeasurement m)
    {
        Report.Add(m);
        ConsoleTable.MemoryRow(Output, m);
    }

    /// <summary>A tensor of uniform values in [−scale, scale) on the backend, deterministic in <paramref name="seed"/>.</summary>
    public Tensor Random(Shape shape, int seed, float scale = 1f)
    {
        var rng = new Random(seed);
        var data = new float[shape.Count];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (float)(((rng.NextDouble() * 2) - 1) * scale);
        }
        return Backend.FromArray(data, shape);
    }
}
