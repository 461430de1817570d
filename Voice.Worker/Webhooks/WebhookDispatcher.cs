using Voice.Core.Webhooks;
using Voice.Worker.Hosting;

namespace Voice.Worker.Webhooks;

/// <summary>
/// Sends webhook deliveries when they fall due (at most 8 at once, at most 2 of one tenant per round: the rest of
/// that tenant's wait a moment, so one tenant's slow receivers never hold every slot), records each attempt in
/// the delivery log and schedules the retry with backoff; after about a day, or 30 attempts, a delivery fails for good.
/// </summary>
public sealed partial class WebhookDispatcher(
    WebhookSchedule schedule,
    WebhookStore store,
    WebhookSender sender,
    WorkerTelemetry telemetry,
    TimeProvider clock,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    private const int Parallelism = 8;
    private const int PerTenant = 2;
    private static readonly TimeSpan Deferral = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var due = await schedule.TakeDueAsync(clock.GetUtcNow(), Parallelism * 2);
                if (due.Count == 0)
                {
                    await Task.Delay(Idle, stoppingToken);
                    continue;
                }
                var now = clock.GetUtcNow();
                var byTenant = due.GroupBy(d => d.TenantId).ToList();
                var deferred = byTenant.SelectMany(g => g.Skip(PerTenant)).Select(d => new ScheduledDelivery(d.TenantId, d.DeliveryId, now + Deferral)).ToList();
                if (deferred.Count > 0)
                {
                    await schedule.AddAsync(deferred);
                }
                await Parallel.ForEachAsync(byTenant.SelectMany(g => g.Take(PerTenant)), new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = stoppingToken },
                    async (item, ct) => await DeliverAsync(item.TenantId, item.DeliveryId, ct));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is StackExchange.Redis.RedisException or Npgsql.NpgsqlException or TimeoutException)
            {
                LogInfrastructureError(logger, ex);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    private async Task DeliverAsync(Guid tenantId, Guid deliveryId, CancellationToken cancellationToken)
    {
        var delivery = await store.LoadPendingAsync(tenantId, deliveryId, cancellationToken);
        if (delivery is null)
        {
            return; // delivered, given up, or its endpoint was deleted
        }
        // Each attempt is a span in the trace of what caused the delivery (the job's completion).
        System.Diagnostics.ActivityContext.TryParse(delivery.TraceParent, null, out var parent);
        using var activity = WorkerTelemetry.Source.StartActivity("webhook.deliver", System.Diagnostics.ActivityKind.Client, parent);
        activity?.SetTag("voice.tenant_id", tenantId);
        activity?.SetTag("voice.delivery_id", deliveryId);
        activity?.SetTag("voice.event", delivery.Event);
        activity?.SetTag("voice.attempt", delivery.Attempts + 1);
        var (delivered, status, error) = await sender.SendAsync(delivery, clock.GetUtcNow(), cancellationToken);
        activity?.SetTag("voice.delivered", delivered);
        if (status is { } code)
        {
            activity?.SetTag("http.response.status_code", code);
        }
        var next = await store.RecordAttemptAsync(delivery, delivered, status, error, cancellationToken);
        telemetry.WebhookAttempts.Add(1, new KeyValuePair<string, object?>("result", delivered ? "delivered" : next is null ? "gave_up" : "retry"));
        if (next is { } at)
        {
            await schedule.AddAsync([new ScheduledDelivery(tenantId, deliveryId, at)]);
        }
        else if (!delivered)
        {
            LogGaveUp(logger, deliveryId, tenantId, error);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery {DeliveryId} of tenant {TenantId} failed for good: {Error}")]
    private static partial void LogGaveUp(ILogger logger, Guid deliveryId, Guid tenantId, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook dispatch paused by an infrastructure error")]
    private static partial void LogInfrastructureError(ILogger logger, Exception exception);
}
