namespace Voice.Core.Jobs;

/// <summary>What a tenant asked for.</summary>
public sealed record JobSpec(string Text, string Language, string Voice, string Format);

/// <summary>A job's ledger row.</summary>
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
    DateTimeOffset? FinishedAt);

/// <summary>Where a completed job's audio is and what it is.</summary>
public sealed record JobResult(string BlobPath, long Bytes, int DurationMs, int SampleRate);

/// <summary>A job the worker has claimed: the spec plus the attempt number that guards its completion.</summary>
public sealed record ClaimedJob(Guid Id, Guid TenantId, JobSpec Spec, int Attempt);
