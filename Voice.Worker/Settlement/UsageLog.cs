using System.Security.Cryptography;
using System.Text;
using Voice.Core.Jobs;

namespace Voice.Worker.Settlement;

/// <summary>
/// The usage log: one structured event per completed job (event name <c>voice.usage</c>) for a log pipeline
/// (ELK, Loki) to ingest. The text itself is never logged: its length and a fingerprint (SHA-256 prefix) only;
/// the cost is in the usage record, priced by the ledger.
/// </summary>
public static partial class UsageLog
{
    public static void Write(ILogger logger, Completion completion)
    {
        var job = completion.Job;
        LogUsage(logger, job.Id, job.TenantId, completion.Engine, JobAdmission.Characters(job.Spec.Text), completion.Result.DurationMs / 1000.0,
            completion.ComputeMs, job.Spec.Format, TextFingerprint(job.Spec.Text));
    }

    [LoggerMessage(EventId = 7001, EventName = "voice.usage", Level = LogLevel.Information,
        Message = "Job {JobId} of tenant {TenantId} completed: engine {Engine}, {Characters} characters, {AudioSeconds} s of audio, {ComputeMs} ms compute, {Format}, text {TextFingerprint}")]
    private static partial void LogUsage(ILogger logger, Guid jobId, Guid tenantId, string engine, int characters, double audioSeconds, int computeMs, string format, string textFingerprint);

    private static string TextFingerprint(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
}
