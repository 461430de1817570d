using System.Collections.Concurrent;
using System.Security.Cryptography;
using Npgsql;
using Voice.Core.Database;

namespace Voice.Core.Crypto;

/// <summary>A tenant's data key of one version, unwrapped.</summary>
public sealed record DataKey(Guid TenantId, int Version, byte[] Key);

/// <summary>
/// Tenants' data keys (envelope encryption): one 256-bit key per tenant and version, stored only wrapped by the
/// key ring's current key-encryption key (<see cref="KeyRing"/>), created on first use. New objects use the
/// newest version; any version not destroyed opens the objects written with it. Unwrapped keys are cached for
/// <see cref="CacheLifetime"/>, so a rotation reaches every replica within it, and a destroyed key stops
/// working everywhere within it too (in this process: at once).
/// </summary>
public sealed class TenantKeys(TenantDatabase database, KeyRing ring, TimeProvider clock)
{
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<(Guid Tenant, int Version), (DataKey Key, DateTimeOffset Until)> _keys = new();
    private readonly ConcurrentDictionary<Guid, (int Version, DateTimeOffset Until)> _current = new();

    /// <summary>The key new objects of the tenant are written with; created on the tenant's first write.</summary>
    public async Task<DataKey> CurrentAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_current.TryGetValue(tenantId, out var current) && current.Until > now)
        {
            return await GetAsync(tenantId, current.Version, cancellationToken).ConfigureAwait(false);
        }
        var key = await database.InTenantAsync(tenantId, async connection =>
        {
            var newest = await ReadNewestAsync(connection, tenantId, cancellationToken).ConfigureAwait(false);
            return newest ?? await CreateAsync(connection, tenantId, 1, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        Remember(key, now);
        return key;
    }

    /// <summary>The key of <paramref name="version"/>; throws <see cref="BlobCipherException"/> (key unavailable) when destroyed or unknown.</summary>
    public async Task<DataKey> GetAsync(Guid tenantId, int version, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_keys.TryGetValue((tenantId, version), out var cached) && cached.Until > now)
        {
            return cached.Key;
        }
        var key = await database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand(
                "select wrapped_key, wrapped_by from tenant_data_keys where tenant_id = $1 and version = $2 and wrapped_key is not null", connection);
            command.Parameters.Add(new() { Value = tenantId });
            command.Parameters.Add(new() { Value = version });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? Unwrap(tenantId, version, (byte[])reader[0], reader.GetString(1))
                : null;
        }, cancellationToken).ConfigureAwait(false);
        if (key is null)
        {
            throw new BlobCipherException(BlobCipherFailure.KeyUnavailable, $"Data key version {version} of the tenant does not exist or was destroyed.");
        }
        _keys[(tenantId, version)] = (key, now + CacheLifetime);
        return key;
    }

    /// <summary>Encrypts a small object kept outside the blob store (a voice prompt in the database), in the same format as blobs.</summary>
    public async Task<byte[]> SealAsync(Guid tenantId, string name, byte[] plaintext, CancellationToken cancellationToken)
    {
        var key = await CurrentAsync(tenantId, cancellationToken).ConfigureAwait(false);
        await using var encrypted = BlobCipher.Encrypt(new MemoryStream(plaintext), key.Key, BlobCipher.NewHeader(key.Version), tenantId, name);
        using var output = new MemoryStream((int)BlobCipher.EncryptedLength(plaintext.Length));
        await encrypted.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
        return output.ToArray();
    }

    /// <summary>Decrypts what <see cref="SealAsync"/> made; throws <see cref="BlobCipherException"/> when it cannot.</summary>
    public async Task<byte[]> OpenAsync(Guid tenantId, string name, byte[] sealedBytes, CancellationToken cancellationToken)
    {
        var header = BlobCipher.ParseHeader(sealedBytes);
        var key = await GetAsync(tenantId, header.KeyVersion, cancellationToken).ConfigureAwait(false);
        await using var plaintext = BlobCipher.Decrypt(new MemoryStream(sealedBytes) { Position = BlobCipher.HeaderSize }, key.Key, header, tenantId, name);
        using var output = new MemoryStream();
        await plaintext.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
        return output.ToArray();
    }

    /// <summary>Adds a new key version for the tenant; new objects use it at once here, within <see cref="CacheLifetime"/> elsewhere.</summary>
    public async Task<int> RotateAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        var key = await database.InTenantAsync(tenantId, async connection =>
        {
            var newest = await ReadNewestAsync(connection, tenantId, cancellationToken).ConfigureAwait(false);
            return await CreateAsync(connection, tenantId, (newest?.Version ?? 0) + 1, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        Remember(key, clock.GetUtcNow());
        return key.Version;
    }

    /// <summary>The versions of the tenant's keys that still exist, newest first.</summary>
    public Task<IReadOnlyList<int>> LiveVersionsAsync(Guid tenantId, CancellationToken cancellationToken) =>
        database.InTenantAsync<IReadOnlyList<int>>(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand(
                "select version from tenant_data_keys where tenant_id = $1 and wrapped_key is not null order by version desc", connection);
            command.Parameters.Add(new() { Value = tenantId });
            var versions = new List<int>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                versions.Add(reader.GetInt32(0));
            }
            return versions;
        }, cancellationToken);

    /// <summary>
    /// Destroys key versions (all of them when <paramref name="below"/> is null, else those older than it):
    /// what they encrypted can no longer be read by anyone. Crypto-shredding, and the end of a rotation.
    /// </summary>
    public async Task<int> DestroyAsync(Guid tenantId, int? below, CancellationToken cancellationToken)
    {
        int destroyed = await database.InTenantAsync(tenantId, async connection =>
        {
            await using var command = new NpgsqlCommand("""
                update tenant_data_keys set wrapped_key = null, destroyed_at = now()
                where tenant_id = $1 and wrapped_key is not null and ($2::int is null or version < $2)
                """, connection);
            command.Parameters.Add(new() { Value = tenantId });
            command.Parameters.Add(new() { Value = (object?)below ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        foreach (var cached in _keys.Keys.Where(k => k.Tenant == tenantId && (below is null || k.Version < below)))
        {
            if (_keys.TryRemove(cached, out var removed))
            {
                CryptographicOperations.ZeroMemory(removed.Key.Key);
            }
        }
        if (below is null)
        {
            _current.TryRemove(tenantId, out _);
        }
        return destroyed;
    }

    /// <summary>
    /// Rewraps every data key wrapped by one of the ring's previous key-encryption keys under its current one
    /// (after a master-key rotation), through a connection that sees every tenant (the admin role). Returns how
    /// many it rewrapped. Keys wrapped by a key-encryption key the ring does not know are left alone.
    /// </summary>
    public async Task<int> RewrapAllAsync(NpgsqlDataSource admin, CancellationToken cancellationToken)
    {
        await using var connection = await admin.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var stale = new List<(Guid Tenant, int Version, byte[] Wrapped, string By)>();
        await using (var select = new NpgsqlCommand(
            "select tenant_id, version, wrapped_key, wrapped_by from tenant_data_keys where wrapped_key is not null and wrapped_by = any($1)", connection))
        {
            select.Parameters.Add(new() { Value = ring.PreviousIds.ToArray() });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                stale.Add((reader.GetGuid(0), reader.GetInt32(1), (byte[])reader[2], reader.GetString(3)));
            }
        }
        foreach (var (tenant, version, wrapped, by) in stale)
        {
            var key = Unwrap(tenant, version, wrapped, by);
            await using var update = new NpgsqlCommand(
                "update tenant_data_keys set wrapped_key = $3, wrapped_by = $4 where tenant_id = $1 and version = $2 and wrapped_by = $5", connection);
            update.Parameters.Add(new() { Value = tenant });
            update.Parameters.Add(new() { Value = version });
            update.Parameters.Add(new() { Value = ring.Current.Wrap(key.Key, KeyRing.Context(tenant, version)) });
            update.Parameters.Add(new() { Value = ring.Current.Id });
            update.Parameters.Add(new() { Value = by });
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        return stale.Count;
    }

    private async Task<DataKey?> ReadNewestAsync(NpgsqlConnection connection, Guid tenantId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "select version, wrapped_key, wrapped_by from tenant_data_keys where tenant_id = $1 and wrapped_key is not null order by version desc limit 1", connection);
        command.Parameters.Add(new() { Value = tenantId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? Unwrap(tenantId, reader.GetInt32(0), (byte[])reader[1], reader.GetString(2))
            : null;
    }

    /// <summary>Creates a key version; when another replica created the same version first, that one is the key.</summary>
    private async Task<DataKey> CreateAsync(NpgsqlConnection connection, Guid tenantId, int version, CancellationToken cancellationToken)
    {
        byte[] key = RandomNumberGenerator.GetBytes(32);
        await using var command = new NpgsqlCommand("""
            insert into tenant_data_keys (tenant_id, version, wrapped_key, wrapped_by) values ($1, $2, $3, $4)
            on conflict (tenant_id, version) do nothing
            """, connection);
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = version });
        command.Parameters.Add(new() { Value = ring.Current.Wrap(key, KeyRing.Context(tenantId, version)) });
        command.Parameters.Add(new() { Value = ring.Current.Id });
        if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
        {
            return new DataKey(tenantId, version, key);
        }
        return await ReadNewestAsync(connection, tenantId, cancellationToken).ConfigureAwait(false)
            ?? throw new BlobCipherException(BlobCipherFailure.KeyUnavailable, "The tenant's data key was destroyed while it was being created.");
    }

    private DataKey Unwrap(Guid tenantId, int version, byte[] wrapped, string wrappedBy)
    {
        var wrapper = ring.Find(wrappedBy)
            ?? throw new BlobCipherException(BlobCipherFailure.KeyUnavailable,
                $"Data key version {version} is wrapped by key-encryption key '{wrappedBy}', which this deployment does not have (configure it as a previous master key).");
        return new DataKey(tenantId, version, wrapper.Unwrap(wrapped, KeyRing.Context(tenantId, version)));
    }

    private void Remember(DataKey key, DateTimeOffset now)
    {
        _keys[(key.TenantId, key.Version)] = (key, now + CacheLifetime);
        _current[key.TenantId] = (key.Version, now + CacheLifetime);
    }
}
