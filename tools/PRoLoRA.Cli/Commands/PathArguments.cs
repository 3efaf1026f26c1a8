using System.CommandLine;
using PRoLoRA.Native.IO.FileSystem;

namespace PRoLoRA.Cli.Commands;

/// <summary>Path arguments and options of the verbs: an empty path is a parse error naming the option; two paths can be checked for naming one file.</summary>
internal static class PathArguments
{
    /// <summary>A required path argument.</summary>
    public static Argument<string> Argument(string name, string description)
    {
        var argument = new Argument<string>(name) { Description = description };
        argument.Validators.Add(r =>
        {
            if (string.IsNullOrEmpty(r.GetValueOrDefault<string>()))
            {
                r.AddError($"{name}: the path is empty");
            }
        });
        return argument;
    }

    /// <summary>A path option.</summary>
    public static Option<string> Option(string name, string description, bool required)
    {
        var option = new Option<string>(name) { Description = description, Required = required };
        option.Validators.Add(r =>
        {
            if (r.Tokens.Count > 0 && string.IsNullOrEmpty(r.GetValueOrDefault<string>()))
            {
                r.AddError($"{name}: the path is empty");
            }
        });
        return option;
    }

    /// <summary>True when <paramref name="a"/> and <paramref name="b"/> name the same file or folder (same path, or the same inode through a link).</summary>
    public static bool SameFile(string a, string b)
        => Path.GetFullPath(a) == Path.GetFullPath(b) || FileStatus.Of(a).IsSameFileAs(FileStatus.Of(b));
}
