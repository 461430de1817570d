using System.Diagnostics.Metrics;

namespace Voice.ApiService.Services;

/// <summary>The API's own instruments (meter <c>Voice.Api</c>, exported through ServiceDefaults).</summary>
public static class ApiMetrics
{
    private static readonly Meter Meter = new("Voice.Api");

    /// <summary>Requests refused by the rate limiter, by bucket (<c>tenant</c> or <c>key</c>) and plan.</summary>
    public static readonly Counter<long> RateLimited = Meter.CreateCounter<long>("voice.ratelimit.refused", "{request}", "Requests refused by the rate limiter.");

    /// <summary>How long the shared limiter's check took (one Redis round trip).</summary>
    public static readonly Histogram<double> RateLimitCheck = Meter.CreateHistogram<double>("voice.ratelimit.check.duration", "s", "Time to check both token buckets.");

    /// <summary>Requests let through because the limiter could not answer.</summary>
    public static readonly Counter<long> RateLimiterUnavailable = Meter.CreateCounter<long>("voice.ratelimit.unavailable", "{request}", "Requests admitted unchecked because Redis did not answer.");

    /// <summary>OpenAI-route speech: from the request's arrival to its first audio byte.</summary>
    public static readonly Histogram<double> SpeechFirstAudio = Meter.CreateHistogram<double>("voice.speech.first_audio", "s", "Time from a speech request to its first streamed audio.");

    /// <summary>OpenAI-route speech requests by how they ended (completed, failed, abandoned, restarted).</summary>
    public static readonly UpDownCounter<long> Sockets = Meter.CreateUpDownCounter<long>("voice.speech.sockets", "{socket}", "Speech sockets open now.");

    public static readonly Histogram<double> SocketFirstAudio = Meter.CreateHistogram<double>("voice.speech.socket.first_audio", "s",
        "Time from a piece of socket text being complete (or flushed) to its first audio sent.");

    public static readonly Counter<long> SpeechStreams = Meter.CreateCounter<long>("voice.speech.streams", "{request}", "Streamed speech requests, by outcome.");

    /// <summary>Submissions refused by the plan's quotas or concurrency limit, by reason and plan.</summary>
    public static readonly Counter<long> JobsSubmitted = Meter.CreateCounter<long>("voice.jobs.submitted", "{job}", "Speech jobs accepted, by plan and whether streamed.");

    public static readonly Counter<long> AdmissionsRefused = Meter.CreateCounter<long>("voice.admissions.refused", "{request}", "Submissions refused by a quota or the concurrency limit.");

    /// <summary>
    /// Account mails (invitations, password resets) by kind and where they went (<c>mailbox</c>, <c>dropped</c>,
    /// <c>smtp</c>); the <c>smtp</c> sink adds the outcome: <c>sent</c>, <c>rejected</c> (a 5xx answer, not retried),
    /// <c>failed</c> (transient failures outlasted the attempts, or a login or TLS failure) or <c>queue_full</c>.
    /// </summary>
    public static readonly Counter<long> AccountMails = Meter.CreateCounter<long>("voice.account.mails", "{mail}", "Account mails, by kind, sink and (smtp) outcome.");
}
