namespace Voice.Core.Jobs;

/// <summary>
/// What a tenant asked for. A <see cref="JobKinds.Speech"/> job speaks <see cref="Text"/> with <see cref="Voice"/>
/// (a preset name or a voice profile id); a <see cref="JobKinds.Voice"/> job prepares the profile <see cref="Voice"/>.
/// A <see cref="Stream"/> job's audio is also published chunk by chunk as it is made (<see cref="SpeechStreams"/>);
/// a <see cref="WordTimestamps"/> job also records when each word of its text is spoken. The audio controls:
/// <see cref="SampleRate"/> of the result (null: the platform's 24 kHz), <see cref="Seed"/> for a sampling engine,
/// <see cref="StreamingLatency"/> (0–4: how early the first chunk leaves, null: the engine's default), and the text
/// around this one (<see cref="PreviousText"/>, <see cref="NextText"/>) for audio that is joined to its neighbours. A
/// <see cref="JobKinds.Dialogue"/> job speaks its text turn by turn as its <see cref="Dialogue"/> says (<see cref="Voice"/> is then the first turn's).
/// </summary>
public sealed record JobSpec(string Text, string Language, string Voice, string Format, string Kind = JobKinds.Speech, float Speed = 1f, bool Stream = false,
    bool WordTimestamps = false, int? SampleRate = null, int? Seed = null, int? StreamingLatency = null, string? PreviousText = null, string? NextText = null,
    DialogueScript? Dialogue = null);

/// <summary>
/// A word of a job's text and when it is spoken: Unicode code point offsets into the text (end exclusive; the
/// unit billing counts) and milliseconds into the audio.
/// </summary>
public readonly record struct WordTimestamp(int StartChar, int EndChar, int StartMs, int EndMs);

public static class JobKinds
{
    public const string Speech = "speech";
    public const string Voice = "voice";
    public const string Dialogue = "dialogue";

    /// <summary>Kinds that make audio from text: admitted, reserved and billed by their characters and audio.</summary>
    public static bool Speaks(string kind) => kind is Speech or Dialogue;
}

/// <summary>A job's ledger row. <see cref="Pool"/>: the pool that speaks it (null for a job written before pools existed).</summary>
public sealed record Job(
    Guid Id,
    Guid TenantId,
    string Status,
    JobSpec Spec,
    int Attempts,
    string? Engine,
    string? Model,
    string? Error,
    JobResult? Result,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? CallbackUrl,
    DateTimeOffset? CancelRequestedAt,
    DateTimeOffset? ResultDeletedAt = null,
    string? Pool = null)
{
    public bool IsFinished => Status is JobStatus.Completed or JobStatus.Failed or JobStatus.Canceled;
}

/// <summary>Where a completed job's audio is and what it is; a dialogue's also when each of its turns starts.</summary>
public sealed record JobResult(string BlobPath, long Bytes, int DurationMs, int SampleRate, IReadOnlyList<int>? TurnStartsMs = null);

/// <summary>
/// A job claimed for one attempt. <see cref="ReservedCharacters"/> is what admission counted for it (the text as the
/// tenant's pronunciation rules made it, at submission; 0 when it was admitted without a plan's limits). The claim (epoch,
/// attempt, when) lives in Redis until the job's finishing update records it.
/// </summary>
public sealed record ClaimedJob(Guid Id, Guid TenantId, JobSpec Spec, int Attempt, int Epoch, string? CallbackUrl, DateTimeOffset CreatedAt = default,
    int ReservedCharacters = 0, DateTimeOffset? ClaimedAt = null);

public enum ClaimResult
{
    /// <summary>The job is the caller's to run.</summary>
    Claimed,

    /// <summary>Finished or canceled already (a redelivery): acknowledge without running.</summary>
    AlreadyFinished,

    /// <summary>Cancellation was requested while it waited: it is now canceled.</summary>
    Canceled,

    /// <summary>It failed on every allowed attempt: it is now failed and belongs in the dead letters.</summary>
    Exhausted,
}

public enum CancelResult
{
    Canceled,
    Requested,
    AlreadyFinished,
    NotFound,
}

/// <summary>
/// A job to submit, and the plan limits it is admitted against (none: operator tools and tests).
/// <see cref="SpokenCharacters"/> is the length of the text after the tenant's pronunciation rules, when the submitter
/// applied them: admission counts and reserves the longer of it and the text as sent. <see cref="Pool"/> is the pool
/// the job was routed to: it waits in that pool's lanes (required to queue it).
/// </summary>
public sealed record NewJob(Guid TenantId, JobSpec Spec, string? CallbackUrl, JobAdmission? Admission = null, int? SpokenCharacters = null,
    string? Pool = null)
{
    /// <summary>Characters admission counts: what will be spoken, never less than what was sent.</summary>
    public int AdmittedCharacters => Math.Max(JobAdmission.Characters(Spec.Text), SpokenCharacters ?? 0);
}

/// <summary>
/// The limits a submission must fit: the tenant's open jobs (queued + running) and, for the calendar month
/// <see cref="Period"/> (UTC), its characters and audio seconds, counting what open jobs have reserved.
/// Null quotas are unlimited.
/// </summary>
public sealed record JobAdmission(DateOnly Period, int MaxActiveJobs, long? MonthlyCharacters, long? MonthlyAudioSeconds)
{
    public static DateOnly PeriodOf(DateTimeOffset at) => new(at.UtcDateTime.Year, at.UtcDateTime.Month, 1);

    /// <summary>Billable characters: Unicode code points, as Postgres's <c>length()</c> counts them when settling.</summary>
    public static int Characters(string text)
    {
        int count = 0;
        foreach (var _ in text.EnumerateRunes())
        {
            count++;
        }
        return count;
    }

    /// <summary>Audio a text is expected to make, reserved until the real duration is known: generous, so a month cannot overshoot much.</summary>
    public static long EstimatedAudioMs(JobSpec spec, int? spokenCharacters = null)
    {
        if (!JobKinds.Speaks(spec.Kind))
        {
            return 0;
        }
        double charactersPerSecond = spec.Language is "zh" or "ja" or "ko" ? 4 : 12;
        long pauses = spec.Dialogue is { } dialogue ? (long)dialogue.PauseMs * (dialogue.Turns.Count - 1) : 0;
        return (long)Math.Ceiling(Math.Max(spec.Text.Length, spokenCharacters ?? 0) / charactersPerSecond / Math.Max(0.25, spec.Speed) * 1000) + pauses;
    }
}

/// <summary>Why a submission was not admitted.</summary>
public enum AdmissionRefusal
{
    /// <summary>The tenant already has its plan's maximum of open jobs.</summary>
    Concurrency,

    /// <summary>The month's characters would be exceeded.</summary>
    Characters,

    /// <summary>The month's audio seconds would be exceeded.</summary>
    AudioSeconds,
}

/// <summary>The plan does not admit this submission now; nothing was written.</summary>
public sealed class AdmissionRefusedException(AdmissionRefusal refusal) : Exception($"Refused by the plan's limits: {refusal}.")
{
    public AdmissionRefusal Refusal { get; } = refusal;
}

/// <summary>One delivered entry's claim outcome; <see cref="Job"/> is set when it is <see cref="ClaimResult.Claimed"/>.</summary>
public sealed record ClaimOutcome(QueueEntry Entry, ClaimResult Result, ClaimedJob? Job);

/// <summary>A finished synthesis to commit, with its word timestamps when the job asked for them.</summary>
public sealed record Completion(ClaimedJob Job, string Engine, string Model, JobResult Result, int ComputeMs, IReadOnlyList<WordTimestamp>? Words = null);

/// <summary>The outcome of submitting a job, with or without an idempotency key.</summary>
public sealed record SubmitResult(Job? Job, bool Replayed, bool KeyConflict, AdmissionRefusal? Refusal = null);
