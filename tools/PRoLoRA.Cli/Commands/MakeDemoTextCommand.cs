using System.CommandLine;
using PRoLoRA.Cli.Demo;
using PRoLoRA.Native.IO.Output;
using PRoLoRA.Cli.Training;

namespace PRoLoRA.Cli.Commands;

/// <summary>`prolora make-demo-text --out DIR` (hidden): writes the train demo's two generated texts; how Data/*.txt were made.</summary>
public static class MakeDemoTextCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var output = PathArguments.Option("--out", "the folder to write fables.txt and ships-log.txt into", required: true);
        var cmd = new Command("make-demo-text", "generate the train demo's pretraining and fine-tuning texts") { output };
        cmd.Hidden = true;
        cmd.SetAction(p =>
        {
            var dir = p.GetValue(output)!;
            Directory.CreateDirectory(dir);
            var texts = new[]
            {
                (DemoData.PretrainText, DemoText.Fables(DemoSettings.FablesSeed, DemoSettings.FablesCharacters)),
                (DemoData.FinetuneText, DemoText.ShipsLog(DemoSettings.ShipsLogSeed, DemoSettings.ShipsLogCharacters)),
            };
            foreach (var (name, text) in texts)
            {
                CharVocabulary.Default.Encode(text);
                var path = Path.Combine(dir, name);
                AtomicFile.Write(path, s => s.Write(System.Text.Encoding.UTF8.GetBytes(text)));
                p.InvocationConfiguration.Output.WriteLine($"wrote {path} ({text.Length:N0} characters)");
            }
            return 0;
        });
        return cmd;
    }
}
