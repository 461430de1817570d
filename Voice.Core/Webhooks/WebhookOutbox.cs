using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Voice.Core.Jobs;

namespace Voice.Core.Webhooks;

/// <summary>
/// Writes a task event's webhook deliveries in the same transaction as the state change that caused it, so
/// a committed completion always has its deliveries and a rolled-back one never does (the outbox pattern).
/// Each subscribed, enabled endpoint gets one row; so does the task's own callback_url.
/// </summary>
public static class WebhookOutbox
{
    public static async Task<IReadOnlyList<ScheduledDelivery>> AddAsync(
        NpgsqlConnection connection, Guid tenantId, Guid taskId, string? callbackUrl, TaskEvent taskEvent, CancellationToken cancellationToken)
    {
        var targets = new List<(Guid? WebhookId, string Url)>();
        await using (var select = new NpgsqlCommand(
            "select id, url from webhooks where disabled_at is null and $1 = any(events)", connection))
        {
            select.Parameters.Add(new() { Value = taskEvent.Type });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                targets.Add((reader.GetGuid(0), reader.GetString(1)));
            }
        }
        if (callbackUrl is not null)
        {
            targets.Add((null, callbackUrl));
        }

        var scheduled = new List<ScheduledDelivery>(targets.Count);
        foreach (var (webhookId, url) in targets)
        {
            var id = Guid.CreateVersion7();
            string payload = JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["id"] = id,
                ["type"] = taskEvent.Type,
                ["created_at"] = taskEvent.At,
                ["data"] = JsonDocument.Parse(taskEvent.ToJson()).RootElement,
            });
            await using var insert = new NpgsqlCommand("""
                insert into webhook_deliveries (id, tenant_id, webhook_id, job_id, event, url, payload)
                values ($1, $2, $3, $4, $5, $6, $7)
                on conflict (job_id, webhook_id, event) do nothing
                returning next_attempt_at
                """, connection);
            insert.Parameters.Add(new() { Value = id });
            insert.Parameters.Add(new() { Value = tenantId });
            insert.Parameters.Add(new() { Value = (object?)webhookId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
            insert.Parameters.Add(new() { Value = taskId });
            insert.Parameters.Add(new() { Value = taskEvent.Type });
            insert.Parameters.Add(new() { Value = url });
            insert.Parameters.Add(new() { Value = payload, NpgsqlDbType = NpgsqlDbType.Jsonb });
            if (await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is DateTime due)
            {
                scheduled.Add(new ScheduledDelivery(tenantId, id, new DateTimeOffset(due, TimeSpan.Zero)));
            }
        }
        return scheduled;
    }
}
