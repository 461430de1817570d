using System.Collections.Concurrent;
using Npgsql;
using NpgsqlTypes;
using Voice.Core.Database;

namespace Voice.Core.Lexicons;

/// <summary>
/// Tenants' pronunciation dictionaries, inside each tenant's row-level-security scope. The worker reads them
/// through <see cref="ForSynthesisAsync"/>, cached for a few seconds per tenant: an edit applies to jobs that
/// start after it, within that time.
/// </summary>
public sealed class LexiconStore(TenantDatabase database, TimeProvider clock)
{
    public const int MaxEntries = 1_000;
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(5);
    private const string Columns = "id, language, term, replacement, case_sensitive, created_at";

    private readonly ConcurrentDictionary<Guid, (DateTimeOffset Expires, IReadOnlyList<LexiconEntry> Entries)> _cache = new();

    public Task<IReadOnlyList<LexiconEntry>> ListAsync(Guid tenantId, CancellationToken cancellationToken) =>
        database.InTenantAsync<IReadOnlyList<LexiconEntry>>(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand($"select {Columns} from lexicon_entries order by term, id", connection);
            return await ReadAllAsync(command, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public Task<LexiconEntry?> GetAsync(Guid tenantId, Guid id, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand($"select {Columns} from lexicon_entries where id = $1", connection);
            command.Parameters.Add(new() { Value = id });
            return (await ReadAllAsync(command, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
        }, cancellationToken);

    public enum CreateResult
    {
        Created,
        Duplicate,
        Full,
    }

    /// <summary>Adds a rule, unless the same term and scope already has one or the dictionary is full.</summary>
    public Task<(CreateResult Result, LexiconEntry? Entry)> CreateAsync(Guid tenantId, string? language, string term, string replacement, bool caseSensitive,
        CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand($"""
                insert into lexicon_entries (id, tenant_id, language, term, replacement, case_sensitive)
                select $1, $2, $3, $4, $5, $6 where (select count(*) from lexicon_entries) < $7
                on conflict do nothing
                returning {Columns}
                """, connection);
            command.Parameters.Add(new() { Value = Guid.CreateVersion7() });
            command.Parameters.Add(new() { Value = tenantId });
            command.Parameters.Add(new() { Value = (object?)language ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new() { Value = term });
            command.Parameters.Add(new() { Value = replacement });
            command.Parameters.Add(new() { Value = caseSensitive });
            command.Parameters.Add(new() { Value = MaxEntries });
            if ((await ReadAllAsync(command, cancellationToken).ConfigureAwait(false)).FirstOrDefault() is { } created)
            {
                _cache.TryRemove(tenantId, out _);
                return (CreateResult.Created, created);
            }
            await using var count = new NpgsqlCommand("select count(*) from lexicon_entries", connection);
            return ((long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! >= MaxEntries ? CreateResult.Full : CreateResult.Duplicate, (LexiconEntry?)null);
        }, cancellationToken);

    public Task<bool> DeleteAsync(Guid tenantId, Guid id, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand("delete from lexicon_entries where id = $1", connection);
            command.Parameters.Add(new() { Value = id });
            bool deleted = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
            _cache.TryRemove(tenantId, out _);
            return deleted;
        }, cancellationToken);

    /// <summary>The tenant's rules for the worker, from a cache that lives <see cref="CacheLifetime"/>.</summary>
    public async Task<IReadOnlyList<LexiconEntry>> ForSynthesisAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_cache.TryGetValue(tenantId, out var cached) && cached.Expires > now)
        {
            return cached.Entries;
        }
        var entries = await ListAsync(tenantId, cancellationToken).ConfigureAwait(false);
        _cache[tenantId] = (now + CacheLifetime, entries);
        return entries;
    }

    private static async Task<List<LexiconEntry>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var entries = new List<LexiconEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new LexiconEntry(reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetBoolean(4), reader.GetFieldValue<DateTimeOffset>(5)));
        }
        return entries;
    }
}
