using System.ComponentModel.DataAnnotations;

namespace Voice.Worker.Hosting;

/// <summary>Configuration section <c>Worker</c>.</summary>
public sealed class WorkerOptions
{
    public const string Section = "Worker";

    /// <summary>Jobs (or batches) processed at once by this process (the engine may still serialise synthesis).</summary>
    [Range(1, 64)]
    public int Concurrency { get; set; } = 2;

    /// <summary>
    /// Slots of this worker one tenant may hold at once; unset: all but one (when there are two or more), so a tenant's
    /// long jobs never take the whole worker and another tenant's job always finds a slot free within one job's time.
    /// Set it to <see cref="Concurrency"/> for a single-tenant deployment, where a kept slot would only sit idle.
    /// </summary>
    [Range(1, 1024)]
    public int? SlotsPerTenant { get; set; }

    /// <summary>The effective <see cref="SlotsPerTenant"/>.</summary>
    public int TenantSlotLimit => SlotsPerTenant ?? Math.Max(1, Concurrency - 1);

    /// <summary>
    /// Live (streamed) jobs this worker runs at once beside its slots, spoken sentence by sentence in turns
    /// (<see cref="Synthesis.SentenceScheduler"/>) so every listener hears its first sentence early; a live job then
    /// holds a slot only while it is claimed. Beyond it, live jobs take a slot like queued work. 0: always a slot.
    /// Only for engines that do not batch (one sentence at a time); a batching engine serves streams in its batches.
    /// </summary>
    [Range(0, 1024)]
    public int LiveJobs { get; set; } = 64;

    /// <summary>Live jobs one tenant may run at once beside the slots; unset: all but one of <see cref="LiveJobs"/>.</summary>
    [Range(1, 1024)]
    public int? LiveJobsPerTenant { get; set; }

    /// <summary>The effective <see cref="LiveJobsPerTenant"/>.</summary>
    public int LiveTenantLimit => LiveJobsPerTenant ?? Math.Max(1, LiveJobs - 1);

    /// <summary>Live sentences made (and encoded) at once; unset: one per processor.</summary>
    [Range(1, 64)]
    public int? LiveSentencesAtOnce { get; set; }

    /// <summary>The effective <see cref="LiveSentencesAtOnce"/>.</summary>
    public int LiveSentenceLimit => LiveSentencesAtOnce ?? Environment.ProcessorCount;

    /// <summary>
    /// Sentences of audio a live job may have published that its listener has not taken yet; it makes no more until
    /// the listener reads (a listener who does not read costs no more than this).
    /// </summary>
    [Range(1, 1000)]
    public int LiveSentencesAhead { get; set; } = 3;

    /// <summary>How long a live job waits for a listener who stopped reading before it speaks the rest regardless.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan LiveStallLimit { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The pool this worker serves (announced with its engine's capabilities while the worker is alive); unset: the
    /// engine's name, e.g. <c>espeak</c>. Lower-case letters, digits, dots and dashes.
    /// </summary>
    [RegularExpression("^[a-z0-9.-]{1,40}$")]
    public string? Pool { get; set; }

    /// <summary>
    /// The pool's autoscaler may take it to zero workers (the generated manifests say so for GPU pools): the API then
    /// keeps accepting its jobs after the last worker leaves, and their backlog wakes it.
    /// </summary>
    public bool ScalesToZero { get; set; }

    /// <summary>How long an idle slot sleeps when no wake-up arrives (a wake-up can be lost; polling is the fallback).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan IdlePoll { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Attempts a job gets before it fails for good and goes to the dead letters.</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>How often this worker takes over entries that a dead worker left pending.</summary>
    [Range(typeof(TimeSpan), "00:00:00.200", "00:10:00")]
    public TimeSpan ReclaimInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the elected reconciler compares the ledger with Redis.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Jobs younger than this are left alone by the reconciler (their enqueue may still be on its way).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ReconcileMinimumAge { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a running job may go on after shutdown begins before it is handed back to the queue.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(20);
}
