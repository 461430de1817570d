using Voice.Core.Webhooks;
using Voice.Worker.Hosting;

namespace Voice.Worker.Webhooks;

/// <summary>
/// Sends webhook deliveries when they fall due, continuously: up to 16 at once in this process and at most 2 of one
/// tenant, starting the next due delivery as soon as any slot frees (never waiting for a whole round), so a
/// receiver that holds its connection to the deadline costs its own tenant's slots and nobody else's. A due
/// delivery whose tenant has both slots busy goes back on the schedule for a moment. Each attempt is recorded in
/// the delivery log and the retry scheduled with backoff; after about a day, or 30 attempts, a delivery fails for good.
/// </summary>
public sealed partial class WebhookDispatcher(
    WebhookSchedule schedule,
    WebhookStore store,
    WebhookSender sender,
    WorkerTelemetry telemetry,
    TimeProvider clock,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    private const int Parallelism = 16;
    private const int PerTenant = 2;
    private static readonly TimeSpan Deferral = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(200);

    // Only the dispatch loop reads and writes these (attempts never touch them), so they need no lock.
    private readonly Dictionary<Guid, int> _perTenant = [];
    private readonly Dictionary<Task, Guid> _running = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    FreeFinishedSlots();
                    if (_running.Count >= Parallelism || !await StartDueAsync(stoppingToken))
                    {
                        await WaitForASlotOrAMomentAsync(stoppingToken);
                    }
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
        finally
        {
            await Task.WhenAll(_running.Keys); // attempts end at their deadline or with the stopping token
        }
    }

    /// <summary>
    /// Starts what is due, within the free slots. False when there is nothing more to do now: nothing started and
    /// fewer due than asked for (a full take may hide more due deliveries behind one busy tenant's backlog).
    /// </summary>
    private async Task<bool> StartDueAsync(CancellationToken stoppingToken)
    {
        int free = Parallelism - _running.Count;
        var due = await schedule.TakeDueAsync(clock.GetUtcNow(), free * 2);
        var deferred = new List<ScheduledDelivery>();
        int started = 0;
        foreach (var (tenantId, deliveryId) in due)
        {
            if (started == free || _perTenant.GetValueOrDefault(tenantId) >= PerTenant)
            {
                // Back on the schedule: at once when only this process is full, a moment later when its tenant's slots are busy.
                var at = started == free ? clock.GetUtcNow() : clock.GetUtcNow() + Deferral;
                deferred.Add(new ScheduledDelivery(tenantId, deliveryId, at));
                continue;
            }
            _perTenant[tenantId] = _perTenant.GetValueOrDefault(tenantId) + 1;
            _running.Add(RunAsync(tenantId, deliveryId, stoppingToken), tenantId);
            started++;
        }
        await schedule.AddAsync(deferred);
        return started > 0 || due.Count == free * 2;
    }

    private async Task WaitForASlotOrAMomentAsync(CancellationToken stoppingToken)
    {
        var moment = Task.Delay(Idle, stoppingToken);
        await Task.WhenAny([moment, .. _running.Keys]);
        stoppingToken.ThrowIfCancellationRequested();
    }

    /// <summary>One delivery in its slot (the loop frees the slot once the task has ended, however it ended).</summary>
    private async Task RunAsync(Guid tenantId, Guid deliveryId, CancellationToken stoppingToken)
    {
        await Task.Yield(); // the loop goes on picking while this one sends
        try
        {
            await DeliverAsync(tenantId, deliveryId, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down: the row stays pending and the reconciler puts it back on the schedule
        }
        catch (Exception ex)
        {
            LogDeliveryError(logger, deliveryId, tenantId, ex);
        }
    }

    private void FreeFinishedSlots()
    {
        foreach (var (task, tenantId) in _running.Where(r => r.Key.IsCompleted).ToList())
        {
            _running.Remove(task);
            if (--_perTenant[tenantId] == 0)
            {
                _perTenant.Remove(tenantId);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery {DeliveryId} of tenant {TenantId} could not be attempted; the reconciler will schedule it again")]
    private static partial void LogDeliveryError(ILogger logger, Guid deliveryId, Guid tenantId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook dispatch paused by an infrastructure error")]
    private static partial void LogInfrastructureError(ILogger logger, Exception exception);
}
