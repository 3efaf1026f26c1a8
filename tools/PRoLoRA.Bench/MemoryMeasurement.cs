namespace PRoLoRA.Bench;

/// <summary>One memory line of the report.</summary>
/// <param name="Group">The group (quant).</param>
/// <param name="Name">What was measured, e.g. "nf4 base".</param>
/// <param name="Shape">The model, e.g. "LLaMA-2-7B".</param>
/// <param name="Bytes">The bytes.</param>
/// <param name="Method">How they were obtained: "counted from shapes", "sum of storage bytes", "VmRSS growth", "VmHWM".</param>
public sealed record MemoryMeasurement(string Group, string Name, string Shape, long Bytes, string Method);
