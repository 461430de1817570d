using Voice.Core.Crypto;
using Voice.Core.Storage;
using Voice.Core.Voices;

namespace Voice.ApiService.Services;

/// <summary>
/// Finishes a tenant's data-key rotation lazily: objects (blobs and voice prompts) written under older key versions are re-encrypted
/// under the newest one, and once none is left an older version is destroyed. Versions are destroyed only when
/// the newest is older than <paramref name="grace"/> (at least <see cref="TenantKeys.CacheLifetime"/>): until
/// then another replica may still write with the version it cached.
/// </summary>
public sealed class KeyRotation(TenantKeys keys, BlobStore blobs, VoiceStore voices, TimeSpan grace)
{
    public sealed record Outcome(int Examined, int Reencrypted, int DestroyedVersions);

    public async Task<Outcome> CompleteAsync(Guid tenantId, DateTimeOffset newestCreatedAt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var versions = await keys.LiveVersionsAsync(tenantId, cancellationToken).ConfigureAwait(false);
        if (versions.Count < 2)
        {
            return new Outcome(0, 0, 0);
        }
        int current = versions[0], examined = 0, reencrypted = 0;
        bool settled = now - newestCreatedAt >= grace;
        await foreach (var path in blobs.ListAsync(tenantId, cancellationToken).ConfigureAwait(false))
        {
            examined++;
            if (await blobs.KeyVersionAsync(tenantId, path, cancellationToken).ConfigureAwait(false) is { } version && version < current
                && await blobs.ReencryptAsync(tenantId, path, cancellationToken).ConfigureAwait(false))
            {
                reencrypted++;
            }
        }
        reencrypted += await voices.ReencryptPromptsAsync(tenantId, current, cancellationToken).ConfigureAwait(false);
        int destroyed = settled ? await keys.DestroyAsync(tenantId, below: current, cancellationToken).ConfigureAwait(false) : 0;
        return new Outcome(examined, reencrypted, destroyed);
    }
}
