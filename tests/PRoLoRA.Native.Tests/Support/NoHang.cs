namespace PRoLoRA.Native.Tests.Support;

/// <summary>Runs a call that must not hang (a reader given a FIFO): the test fails after a timeout instead of blocking the suite.</summary>
internal static class NoHang
{
    public static T Run<T>(Func<T> call, int seconds = 20)
    {
        var task = Task.Run(call);
        Assert.That(task.Wait(TimeSpan.FromSeconds(seconds)), Is.True, $"hung: no answer within {seconds} s");
        return task.Result;
    }
}
