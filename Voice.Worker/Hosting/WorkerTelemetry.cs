using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Voice.Worker.Hosting;

/// <summary>The worker's trace source and instruments (names under the shared "Voice." prefix).</summary>
public sealed class WorkerTelemetry : IDisposable
{
    public const string Name = "Voice.Worker";

    public static readonly ActivitySource Source = new(Name);

    private readonly Meter _meter;

    public WorkerTelemetry(IMeterFactory meters, WorkerPool pool)
    {
        Pool = new("pool", pool.Name);
        _meter = meters.Create(Name);
        JobsProcessed = _meter.CreateCounter<long>("voice.jobs.processed", "{job}", "Jobs settled by this worker, by outcome.");
        JobDuration = _meter.CreateHistogram<double>("voice.job.duration", "s", "Time from claim to settled outcome.");
        RealTimeFactor = _meter.CreateHistogram<double>("voice.engine.rtf", "1", "Synthesis time divided by audio duration.");
        Reclaimed = _meter.CreateCounter<long>("voice.queue.reclaimed", "{entry}", "Entries taken over from consumers that stopped answering.");
        Reconciled = _meter.CreateCounter<long>("voice.queue.reconciled", "{job}", "Ledger jobs re-enqueued because Redis had lost them.");
        WebhookAttempts = _meter.CreateCounter<long>("voice.webhooks.attempts", "{attempt}", "Webhook delivery attempts, by result.");
        VoicesPrepared = _meter.CreateCounter<long>("voice.voices.prepared", "{voice}", "Voice profiles prepared by the engine, by mode.");
        QueueWait = _meter.CreateHistogram<double>("voice.job.queue_wait", "s", "Time from submission to a worker's claim.");
        FirstChunk = _meter.CreateHistogram<double>("voice.engine.first_chunk", "s", "Time from the start of synthesis to the engine's first audio.");
        BusySlots = _meter.CreateUpDownCounter<long>("voice.worker.busy", "{slot}", "Worker slots running jobs now.");
        _meter.CreateObservableGauge("voice.queue.depth", () => new[]
        {
            new Measurement<long>(_queue.TenantDepth, new KeyValuePair<string, object?>("lane", "tenants"), Pool),
            new Measurement<long>(_queue.LiveDepth, new KeyValuePair<string, object?>("lane", "live"), Pool),
        }, "{entry}", "Entries in the pool's lanes, waiting or being worked on (sampled by the reclaim loop).");
        _meter.CreateObservableGauge("voice.queue.lag", () => new Measurement<double>(_queue.OldestSeconds, Pool), "s", "Age of the oldest entry in any of the pool's lanes.");
    }

    private Voice.Core.Jobs.JobQueue.Stats _queue = new(0, 0, 0);

    /// <summary>The latest sample of this worker's pool's queue, for the depth and lag gauges.</summary>
    public void Observe(Voice.Core.Jobs.JobQueue.Stats stats) => _queue = stats;

    /// <summary>The <c>pool</c> label of this worker's slot and job counts (the pool it serves, as announced).</summary>
    public KeyValuePair<string, object?> Pool { get; }

    public Histogram<double> QueueWait { get; }

    public Histogram<double> FirstChunk { get; }

    public UpDownCounter<long> BusySlots { get; }

    public Counter<long> VoicesPrepared { get; }

    public Counter<long> JobsProcessed { get; }

    public Histogram<double> JobDuration { get; }

    public Histogram<double> RealTimeFactor { get; }

    public Counter<long> Reclaimed { get; }

    public Counter<long> Reconciled { get; }

    public Counter<long> WebhookAttempts { get; }

    public void Dispose() => _meter.Dispose();
}
