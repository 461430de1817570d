using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Voice.Speech.Engines;

namespace Voice.Worker.Hosting;

/// <summary>
/// Warms the engine before the worker takes jobs, and keeps the readiness probe (<c>/health</c>) failing until
/// it is warm, so an orchestrator never routes work or counts a replica that would make the first request wait.
/// </summary>
public sealed partial class EngineWarmup(ISpeechEngine engine, ILogger<EngineWarmup> logger) : IHealthCheck
{
    private volatile bool _warm;
    private readonly TaskCompletionSource _warmed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the engine is warm (for what must wait for it without warming it again).</summary>
    public Task Warmed => _warmed.Task;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        await engine.WarmUpAsync(cancellationToken).ConfigureAwait(false);
        _warm = true;
        _warmed.TrySetResult();
        LogWarm(logger, engine.Name, engine.Model, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_warm
            ? HealthCheckResult.Healthy($"{engine.Name} is warm")
            : HealthCheckResult.Unhealthy($"{engine.Name} is warming up"));

    [LoggerMessage(Level = LogLevel.Information, Message = "Speech engine {Engine} ({Model}) warmed up in {ElapsedMs} ms")]
    private static partial void LogWarm(ILogger logger, string engine, string model, long elapsedMs);
}
