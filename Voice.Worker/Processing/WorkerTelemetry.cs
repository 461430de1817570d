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
        JobsProcessed = _meter.CreateCounter<long>("voice.jobs.processed", "{job}", "Jobs settled by this worker, by outcome.");
        JobDuration = _meter.CreateHistogram<double>("voice.job.duration", "s", "Time from claim to settled outcome.");
        RealTimeFactor = _meter.CreateHistogram<double>("voice.engine.rtf", "1", "Synthesis time divided by audio duration.");
        Reclaimed = _meter.CreateCounter<long>("voice.queue.reclaimed", "{entry}", "Entries taken over from consumers that stopped answering.");
        Reconciled = _meter.CreateCounter<long>("voice.queue.reconciled", "{job}", "Ledger jobs re-enqueued because Redis had lost them.");
        WebhookAttempts = _meter.CreateCounter<long>("voice.webhooks.attempts", "{attempt}", "Webhook delivery attempts, by result.");
        VoicesPrepared = _meter.CreateCounter<long>("voice.voices.prepared", "{voice}", "Voice profiles prepared by the engine, by mode.");
    }

    public Counter<long> VoicesPrepared { get; }

    public Counter<long> JobsProcessed { get; }

    public Histogram<double> JobDuration { get; }

    public Histogram<double> RealTimeFactor { get; }

    public Counter<long> Reclaimed { get; }

    public Counter<long> Reconciled { get; }

    public Counter<long> WebhookAttempts { get; }

    public void Dispose() => _meter.Dispose();
}
