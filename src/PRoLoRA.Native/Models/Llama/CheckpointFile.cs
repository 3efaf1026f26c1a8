namespace PRoLoRA.Native.Models.Llama;

/// <summary>A file saved beside a checkpoint's weights and config (a tokenizer's files, a README) in the same atomic folder save.</summary>
/// <param name="Name">A plain file name in the checkpoint folder.</param>
/// <param name="Content">The file's bytes.</param>
public sealed record CheckpointFile(string Name, byte[] Content);
