using System.Runtime.ExceptionServices;

namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>
/// The CPU backend's parallel loops, on threads of its own. Written by hand because the thread pool's
/// placement and wake-up cost a short GEMM up to half its speed on the 2-core build machine: the
/// second item of a Parallel.For started 0.8-2.5 ms late after a pause, uncapped it ran three pool
/// threads on two cores, and its worker was often woken on the caller's own core. A worker here
/// blocks on an AutoResetEvent (woken in about 0.1 ms; a SemaphoreSlim took 2 ms) and is moved off
/// the caller's core before it is woken (<see cref="ThreadPlacement"/>).
/// </summary>
internal sealed class CpuWorkers
{
    private static readonly Lazy<CpuWorkers> LazyShared = new(() => new CpuWorkers(Environment.ProcessorCount - 1));

    private readonly Worker[] workers;
    private Job? current;

    private CpuWorkers(int count)
    {
        workers = new Worker[count];
        for (int w = 0; w < count; w++)
        {
            workers[w] = new Worker(this);
        }
    }

    /// <summary>
    /// Runs body(0) … body(count − 1) on at most <paramref name="threads"/> threads at once, the caller's
    /// included, items handed out as threads come free; returns when all are done and rethrows the
    /// first exception. A call made while another runs (from another thread, or from inside a body)
    /// goes to the thread pool instead.
    /// </summary>
    public static void For(int count, int threads, Action<int> body) => LazyShared.Value.Run(count, threads, body);

    private void Run(int count, int threads, Action<int> body)
    {
        int helpers = Math.Min(Math.Min(threads, count) - 1, workers.Length);
        if (helpers <= 0)
        {
            for (int i = 0; i < count; i++)
            {
                body(i);
            }
            return;
        }
        var job = new Job(body, count);
        if (Interlocked.CompareExchange(ref current, job, null) != null)
        {
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
            return;
        }
        try
        {
            int cpu = ThreadPlacement.CurrentCpu();
            for (int w = 0; w < helpers; w++)
            {
                workers[w].Wake(cpu);
            }
            job.Run();
            job.Wait();
        }
        finally
        {
            Volatile.Write(ref current, null);
        }
        job.Throw();
    }

    private sealed class Worker
    {
        private readonly AutoResetEvent signal = new(false);
        private readonly CpuWorkers owner;
        private int threadId;

        public Worker(CpuWorkers owner)
        {
            this.owner = owner;
            new Thread(Loop) { IsBackground = true, Name = "PRoLoRA CPU worker" }.Start();
        }

        public void Wake(int callerCpu)
        {
            ThreadPlacement.Avoid(Volatile.Read(ref threadId), callerCpu);
            signal.Set();
        }

        private void Loop()
        {
            Volatile.Write(ref threadId, ThreadPlacement.CurrentThreadId());
            while (true)
            {
                signal.WaitOne();
                // Woken late, the job is gone (null) or a later one, which this thread then helps with.
                Volatile.Read(ref owner.current)?.Run();
            }
        }
    }

    private sealed class Job(Action<int> body, int count)
    {
        private readonly ManualResetEventSlim finished = new(false);
        private int next;
        private int completed;
        private Exception? error;

        public void Run()
        {
            int i;
            while ((i = Interlocked.Increment(ref next) - 1) < count)
            {
                try
                {
                    body(i);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref error, e, null);
                }
                if (Interlocked.Increment(ref completed) == count)
                {
                    finished.Set();
                }
            }
        }

        public void Wait() => finished.Wait();

        public void Throw()
        {
            if (error != null)
            {
                ExceptionDispatchInfo.Capture(error).Throw();
            }
        }
    }
}
