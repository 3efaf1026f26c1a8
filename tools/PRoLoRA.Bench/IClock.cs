namespace PRoLoRA.Bench;

/// <summary>Times one call: wall time on the CPU, device time (CUDA events) on the GPU.</summary>
internal interface IClock : IDisposable
{
    /// <summary>Milliseconds that <paramref name="call"/> took, its queued device work included.</summary>
    double Time(Action call);
}
