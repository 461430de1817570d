using System.Diagnostics;
using HdrHistogram;

/// <summary>
/// An open-loop load generator: requests leave on a fixed schedule whatever the answers do, and each latency is
/// measured from the moment its request was due, not from when it was sent — so a server that stalls is charged for
/// every request that waited (coordinated omission corrected). Loopback targets only.
/// </summary>
public static class OpenLoop
{
    public sealed record Step(double TargetRate, double AchievedRate, int Requests, long P50Us, long P90Us, long P99Us, long P999Us, long MaxUs,
        IReadOnlyDictionary<int, int> Statuses, double MeanUs)
    {
        public int Errors => Statuses.Where(s => s.Key is < 200 or >= 300).Sum(s => s.Value);

        public double P99Ms => P99Us / 1000.0;
    }

    /// <summary>Sends <paramref name="rate"/> requests a second for <paramref name="duration"/>; <paramref name="send"/> answers an HTTP status (or -1).</summary>
    public static async Task<Step> RunAsync(double rate, TimeSpan duration, Func<int, Task<int>> send)
    {
        var histogram = new LongHistogram(TimeSpan.FromMinutes(10).Ticks / 10, 3); // microseconds
        var statuses = new Dictionary<int, int>();
        int total = Math.Max(1, (int)(rate * duration.TotalSeconds));
        var tasks = new Task[total];
        double ticksPer = Stopwatch.Frequency / rate;
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < total; i++)
        {
            long due = start + (long)(i * ticksPer);
            long wait;
            while ((wait = due - Stopwatch.GetTimestamp()) > 0)
            {
                if (wait > Stopwatch.Frequency / 1000)
                {
                    await Task.Delay(1);
                }
                else
                {
                    Thread.SpinWait(20);
                }
            }
            tasks[i] = MeasureAsync(i, due);
        }
        await Task.WhenAll(tasks);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new Step(rate, total / seconds, total, histogram.GetValueAtPercentile(50), histogram.GetValueAtPercentile(90),
            histogram.GetValueAtPercentile(99), histogram.GetValueAtPercentile(99.9), histogram.GetMaxValue(), statuses, histogram.GetMean());

        async Task MeasureAsync(int index, long due)
        {
            int status;
            try
            {
                status = await send(index);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
            {
                status = -1;
            }
            long micros = (long)Stopwatch.GetElapsedTime(due).TotalMicroseconds;
            lock (histogram)
            {
                histogram.RecordValue(Math.Max(1, micros));
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
            }
        }
    }
}
