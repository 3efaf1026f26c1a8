namespace PRoLoRA.Native;

/// <summary>Base of the library's own errors (bad files, unusable devices); the CLI maps it to exit code 2.</summary>
public class ProLoraException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ProLoraException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with an inner cause.</summary>
    public ProLoraException(string message, Exception inner) : base(message, inner)
    {
    }
}
