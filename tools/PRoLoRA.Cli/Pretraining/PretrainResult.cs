using PRoLoRA.Native.Models.Llama;

namespace PRoLoRA.Cli.Pretraining;

/// <summary>What <see cref="BasePretrainer.Run"/> made: the model (the caller disposes it) and how the run went.</summary>
/// <param name="Model">The pretrained model, every base weight trained.</param>
/// <param name="InitialValidationLoss">Validation loss (nats per token) before the first step.</param>
/// <param name="TrainLoss">Mean training loss over the last <see cref="PretrainOptions.LogEvery"/> steps.</param>
/// <param name="ValidationLoss">Validation loss after the last step.</param>
/// <param name="UnigramEntropy">Entropy (nats) of the training tokens' frequencies: the loss of a model that ignores context.</param>
/// <param name="Tokens">Training tokens seen.</param>
/// <param name="Elapsed">Wall time of the run.</param>
public sealed record PretrainResult(LlamaModel Model, double InitialValidationLoss, double TrainLoss, double ValidationLoss, double UnigramEntropy, long Tokens, TimeSpan Elapsed);
