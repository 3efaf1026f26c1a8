using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Text;

namespace PRoLoRA.Cli.Demo;

/// <summary>Exact-match accuracy: the share of prompts whose greedy continuation, up to end of sequence, is exactly the answer.</summary>
public static class ExactMatch
{
    /// <summary>The fraction of <paramref name="examples"/> that <paramref name="model"/> answers exactly.</summary>
    public static double Of(LlamaModel model, ITokenizer tokenizer, IReadOnlyList<TaskExample> examples)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(examples);
        int right = 0;
        foreach (var e in examples)
        {
            // Room for the answer and a few more: a longer answer is wrong either way.
            int room = tokenizer.Encode(e.Completion, addSpecialTokens: false).Length + 2;
            var ids = LlamaGenerator.Continue(model, tokenizer.Encode(e.Prompt), new GenerationOptions(MaxNewTokens: room), tokenizer.EosIds);
            if (tokenizer.Decode(ids) == e.Completion)
            {
                right++;
            }
        }
        return examples.Count == 0 ? double.NaN : (double)right / examples.Count;
    }
}
