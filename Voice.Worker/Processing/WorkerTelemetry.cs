using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Voice.Worker.Processing;

/// <summary>The worker's trace source and instruments (names under the shared "Voice." prefix).</summary>
public sealed class WorkerTelemetry : IDisposable
{
    public const string Name = "Voice.Worker";

    public static readonly ActivitySource Source = new(Name);

    private readonly Meter _meter;

    public WorkerTelemetry(IMeterFactory meters)
    {
        _meter = meters.Create(Name);
        JobsProcessed = _meter.CreateCounter<long>("voice.jobs.processed", "{job}", "Jobs finished by this worker, by outcome.");
        JobDuration = _meter.CreateHistogram<double>("voice.job.duration", "s", "Time from claim to committed result.");
        RealTimeFactor = _meter.CreateHistogram<double>("voice.engine.rtf", "1", "Synthesis time divided by audio duration.");
    }

    public Counter<long> JobsProcessed { get; }

    public Histogram<double> JobDuration { get; }

    public Histogram<double> RealTimeFactor { get; }

    public void Dispose() => _meter.Dispose();
}
