using Voice.Core.Audit;
using Voice.Core.Crypto;
using Voice.Core.Jobs;
using Voice.Core.Storage;

namespace Voice.ApiService.Model;

/// <summary>What the task endpoints need: the ledger, the queue and live events, the audit log, stored results and their links.</summary>
public sealed class TaskServices(JobStore jobs, JobQueue queue, JobEvents events, AuditLog audit, BlobStore blobs, ResultUrlSigner signer,
    ResultRetention retention, TimeProvider clock)
{
    public JobStore Jobs { get; } = jobs;

    public JobQueue Queue { get; } = queue;

    public JobEvents Events { get; } = events;

    public AuditLog Audit { get; } = audit;

    public BlobStore Blobs { get; } = blobs;

    public ResultUrlSigner Signer { get; } = signer;

    public ResultRetention Retention { get; } = retention;

    public TimeProvider Clock { get; } = clock;
}
