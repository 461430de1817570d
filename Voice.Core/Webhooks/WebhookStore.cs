using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Voice.Core.Audit;
using Voice.Core.Crypto;
using Voice.Core.Database;

namespace Voice.Core.Webhooks;

/// <summary>
/// A tenant's webhook endpoints, its callback secret and the delivery log, within its row-level-security
/// scope. Signing secrets are shown once at creation and kept sealed (<see cref="SecretBox"/>).
/// </summary>
public sealed class WebhookStore(TenantDatabase database, SecretBox secrets, TimeProvider clock, IOptions<WebhookOptions> options)
{
    public const int MaxAttempts = 30;
    public static readonly TimeSpan GiveUpAfter = TimeSpan.FromHours(24);
    private const string Columns = "id, url, events, description, created_at, disabled_at";

    public static string NewSecret() =>
        "whsec_" + RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 32);

    public Task<(string Secret, WebhookInfo Info)> CreateAsync(Guid tenantId, string url, IReadOnlyList<string> events, string? description, string actor, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            var id = Guid.CreateVersion7();
            string secret = NewSecret();
            await using var command = new NpgsqlCommand($"""
                insert into webhooks (id, tenant_id, url, events, description, secret_encrypted)
                values ($1, $2, $3, $4, $5, $6) returning {Columns}
                """, connection);
            command.Parameters.Add(new() { Value = id });
            command.Parameters.Add(new() { Value = tenantId });
            command.Parameters.Add(new() { Value = url });
            command.Parameters.Add(new() { Value = events.ToArray() });
            command.Parameters.Add(new() { Value = (object?)description ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new() { Value = secrets.Seal(Encoding.UTF8.GetBytes(secret), Binding(tenantId, id)) });
            WebhookInfo info;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                info = Read(reader);
            }
            await AuditLog.RecordAsync(connection, tenantId, actor, "webhook.created", $"webhook:{id}", new { url, events }, cancellationToken).ConfigureAwait(false);
            return (secret, info);
        }, cancellationToken);

    public Task<IReadOnlyList<WebhookInfo>> ListAsync(Guid tenantId, CancellationToken cancellationToken) =>
        database.InTenantAsync<IReadOnlyList<WebhookInfo>>(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand($"select {Columns} from webhooks order by created_at", connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var list = new List<WebhookInfo>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                list.Add(Read(reader));
            }
            return list;
        }, cancellationToken);

    public Task<WebhookInfo?> GetAsync(Guid tenantId, Guid id, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand($"select {Columns} from webhooks where id = $1", connection);
            command.Parameters.Add(new() { Value = id });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
        }, cancellationToken);

    /// <summary>Changes the URL, events, description or enabled state; null leaves a field as it is.</summary>
    public Task<WebhookInfo?> UpdateAsync(Guid tenantId, Guid id, string? url, IReadOnlyList<string>? events, string? description, bool? enabled, string actor, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand($"""
                update webhooks set url = coalesce($2, url), events = coalesce($3, events), description = coalesce($4, description),
                    disabled_at = case when $5::boolean is null then disabled_at when $5 then null else coalesce(disabled_at, now()) end
                where id = $1 returning {Columns}
                """, connection);
            command.Parameters.Add(new() { Value = id });
            command.Parameters.Add(new() { Value = (object?)url ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new() { Value = (object?)events?.ToArray() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            command.Parameters.Add(new() { Value = (object?)description ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new() { Value = (object?)enabled ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Boolean });
            WebhookInfo? info;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                info = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
            }
            if (info is not null)
            {
                await AuditLog.RecordAsync(connection, tenantId, actor, "webhook.updated", $"webhook:{id}", new { url, events, enabled }, cancellationToken).ConfigureAwait(false);
            }
            return info;
        }, cancellationToken);

    public Task<bool> DeleteAsync(Guid tenantId, Guid id, string actor, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand("delete from webhooks where id = $1", connection);
            command.Parameters.Add(new() { Value = id });
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                return false;
            }
            await AuditLog.RecordAsync(connection, tenantId, actor, "webhook.deleted", $"webhook:{id}", null, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <summary>Creates or replaces the tenant's callback-signing secret; the answer is the only time it is shown.</summary>
    public Task<string> RotateCallbackSecretAsync(Guid tenantId, string actor, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            string secret = NewSecret();
            await using var command = new NpgsqlCommand("""
                insert into callback_secrets (tenant_id, secret_encrypted) values ($1, $2)
                on conflict (tenant_id) do update set secret_encrypted = excluded.secret_encrypted, created_at = now()
                """, connection);
            command.Parameters.Add(new() { Value = tenantId });
            command.Parameters.Add(new() { Value = secrets.Seal(Encoding.UTF8.GetBytes(secret), Binding(tenantId, Guid.Empty)) });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await AuditLog.RecordAsync(connection, tenantId, actor, "callback_secret.rotated", null, null, cancellationToken).ConfigureAwait(false);
            return secret;
        }, cancellationToken);

    public Task<bool> HasCallbackSecretAsync(Guid tenantId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand("select exists (select 1 from callback_secrets)", connection);
            return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }, cancellationToken);

    public Task<IReadOnlyList<DeliveryInfo>> ListDeliveriesAsync(Guid tenantId, Guid webhookId, int limit, CancellationToken cancellationToken) =>
        database.InTenantAsync<IReadOnlyList<DeliveryInfo>>(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand("""
                select id, webhook_id, job_id, event, url, status, attempts, next_attempt_at, last_status_code, last_error, created_at, delivered_at
                from webhook_deliveries where webhook_id = $1 order by created_at desc limit $2
                """, connection);
            command.Parameters.Add(new() { Value = webhookId });
            command.Parameters.Add(new() { Value = limit });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var list = new List<DeliveryInfo>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                list.Add(new DeliveryInfo(reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetGuid(1), reader.GetGuid(2),
                    reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetInt32(6), reader.GetFieldValue<DateTimeOffset>(7),
                    reader.IsDBNull(8) ? null : reader.GetInt32(8), reader.IsDBNull(9) ? null : reader.GetString(9),
                    reader.GetFieldValue<DateTimeOffset>(10), reader.IsDBNull(11) ? null : reader.GetFieldValue<DateTimeOffset>(11)));
            }
            return list;
        }, cancellationToken);

    /// <summary>
    /// A <c>webhook.test</c> delivery for an endpoint, signed with its secret, to send at once (not kept in the log and
    /// never retried: the sender sees the endpoint's answer). Null when the endpoint is not the tenant's.
    /// </summary>
    public Task<PendingDelivery?> TestDeliveryAsync(Guid tenantId, Guid webhookId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand("select url, secret_encrypted from webhooks where id = $1", connection);
            command.Parameters.Add(new() { Value = webhookId });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
            var id = Guid.CreateVersion7();
            var now = clock.GetUtcNow();
            // The envelope of real deliveries (id, type, created_at, data), so a receiver's parser is what gets tested.
            string payload = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["id"] = id,
                ["type"] = "webhook.test",
                ["created_at"] = now,
                ["data"] = new Dictionary<string, object> { ["webhook_id"] = webhookId },
            });
            byte[] secret = secrets.Open(reader.GetFieldValue<byte[]>(1), Binding(tenantId, webhookId));
            return new PendingDelivery(id, tenantId, "webhook.test", reader.GetString(0), payload, secret, 0, now);
        }, cancellationToken);

    /// <summary>The delivery with its signing secret, or null when it is no longer pending (or its secret is gone).</summary>
    public Task<PendingDelivery?> LoadPendingAsync(Guid tenantId, Guid deliveryId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand("""
                select d.event, d.url, d.payload::text, d.attempts, d.created_at, d.webhook_id,
                       coalesce(w.secret_encrypted, c.secret_encrypted), d.trace_parent
                from webhook_deliveries d
                left join webhooks w on w.id = d.webhook_id
                left join callback_secrets c on d.webhook_id is null
                where d.id = $1 and d.status = 'pending'
                """, connection);
            command.Parameters.Add(new() { Value = deliveryId });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false) || reader.IsDBNull(6))
            {
                return null;
            }
            Guid owner = reader.IsDBNull(5) ? Guid.Empty : reader.GetGuid(5);
            byte[] secret = secrets.Open(reader.GetFieldValue<byte[]>(6), Binding(tenantId, owner));
            return new PendingDelivery(deliveryId, tenantId, reader.GetString(0), reader.GetString(1), reader.GetString(2), secret,
                reader.GetInt32(3), reader.GetFieldValue<DateTimeOffset>(4), reader.IsDBNull(7) ? null : reader.GetString(7));
        }, cancellationToken);

    /// <summary>Records one attempt; returns when to try again, or null when the delivery is finished (delivered or given up).</summary>
    public Task<DateTimeOffset?> RecordAttemptAsync(PendingDelivery delivery, bool delivered, int? statusCode, string? error, CancellationToken cancellationToken) =>
        database.InTenantAsync(delivery.TenantId, async connection =>
        {
            var now = clock.GetUtcNow();
            int attempts = delivery.Attempts + 1;
            DateTimeOffset? next = delivered || attempts >= MaxAttempts || now - delivery.CreatedAt >= GiveUpAfter
                ? null
                : now + Backoff(attempts);
            string status = delivered ? DeliveryStatus.Delivered : next is null ? DeliveryStatus.Failed : DeliveryStatus.Pending;
            await using var command = new NpgsqlCommand("""
                update webhook_deliveries set attempts = $2, status = $3, last_status_code = $4, last_error = $5,
                    next_attempt_at = coalesce($6, next_attempt_at), delivered_at = case when $3 = 'delivered' then now() end
                where id = $1 and status = 'pending'
                """, connection);
            command.Parameters.Add(new() { Value = delivery.Id });
            command.Parameters.Add(new() { Value = attempts });
            command.Parameters.Add(new() { Value = status });
            command.Parameters.Add(new() { Value = (object?)statusCode ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
            command.Parameters.Add(new() { Value = (object?)error?[..Math.Min(error.Length, 500)] ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new() { Value = (object?)next ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return next;
        }, cancellationToken);

    private readonly TimeSpan _retryBase = options.Value.RetryBaseDelay;

    /// <summary>Exponential backoff with jitter: base (10 s), 2×, 4×… capped at an hour, each spread ±50%.</summary>
    public TimeSpan Backoff(int attempt)
    {
        double seconds = Math.Min(3600, _retryBase.TotalSeconds * Math.Pow(2, Math.Min(attempt - 1, 20)));
        return TimeSpan.FromSeconds(seconds * (0.5 + Random.Shared.NextDouble()));
    }

    private static byte[] Binding(Guid tenantId, Guid ownerId) => Encoding.ASCII.GetBytes($"webhook-secret:{tenantId:N}:{ownerId:N}");

    private static WebhookInfo Read(NpgsqlDataReader reader) => new(
        reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<string[]>(2), reader.IsDBNull(3) ? null : reader.GetString(3),
        reader.GetFieldValue<DateTimeOffset>(4), reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5));
}
