using System.Collections.Concurrent;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Voice.Core.Crypto;

namespace Voice.Core.Storage;

/// <summary>
/// Tenant-scoped object storage: each tenant owns one container (<c>t-&lt;tenant id&gt;</c>), so its data can
/// be listed, measured and deleted as a unit, and no path a tenant supplies can reach another's objects.
/// Every object is encrypted on its way in and decrypted on its way out (<see cref="BlobCipher"/> under the
/// tenant's data key, <see cref="TenantKeys"/>): the store only ever holds ciphertext, and containers are
/// private.
/// </summary>
public sealed class BlobStore(BlobServiceClient service, TenantKeys keys)
{
    private readonly ConcurrentDictionary<Guid, BlobContainerClient> _containers = new();

    public static string ContainerName(Guid tenantId) => "t-" + tenantId.ToString("N");

    /// <summary>Objects up to this size (plaintext of known length) are encrypted in memory and sent as one request.</summary>
    private const long SingleShotLimit = 4 * 1024 * 1024;

    /// <summary>Encrypts and stores <paramref name="content"/> (read to its end, one segment at a time) under the tenant's current key.</summary>
    public async Task UploadAsync(Guid tenantId, string path, Stream content, string contentType, CancellationToken cancellationToken)
    {
        var container = await GetContainerAsync(tenantId, cancellationToken).ConfigureAwait(false);
        var key = await keys.CurrentAsync(tenantId, cancellationToken).ConfigureAwait(false);
        await using var encrypting = BlobCipher.Encrypt(content, key.Key, BlobCipher.NewHeader(key.Version), tenantId, path);
        // The SDK sends a stream of unknown length as blocks and then a block list (two requests, each parsed and
        // stored by the blob service); a small result of known length goes as one Put Blob instead.
        await using var encrypted = content.CanSeek && content.Length - content.Position <= SingleShotLimit
            ? await InMemoryAsync(encrypting, BlobCipher.EncryptedLength(content.Length - content.Position), cancellationToken).ConfigureAwait(false)
            : encrypting;
        var options = new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = "application/octet-stream" },
            Metadata = new Dictionary<string, string> { ["content_type"] = contentType, ["key_version"] = key.Version.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        };
        await container.GetBlobClient(path).UploadAsync(encrypted, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens an object's plaintext for streaming (seekable, with its length), or null when it does not exist.
    /// Throws <see cref="BlobCipherException"/> when it cannot be decrypted; a segment that fails later
    /// throws from the read that reaches it, before any byte of it is returned.
    /// </summary>
    public async Task<Stream?> OpenReadAsync(Guid tenantId, string path, CancellationToken cancellationToken)
    {
        var blob = service.GetBlobContainerClient(ContainerName(tenantId)).GetBlobClient(path);
        Stream encrypted;
        try
        {
            encrypted = await blob.OpenReadAsync(new BlobOpenReadOptions(allowModifications: false), cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
        try
        {
            var header = await ReadHeaderAsync(encrypted, cancellationToken).ConfigureAwait(false);
            var key = await keys.GetAsync(tenantId, header.KeyVersion, cancellationToken).ConfigureAwait(false);
            return BlobCipher.Decrypt(encrypted, key.Key, header, tenantId, path);
        }
        catch
        {
            await encrypted.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The key version an object was written with (its header), or null when it does not exist.</summary>
    public async Task<int?> KeyVersionAsync(Guid tenantId, string path, CancellationToken cancellationToken)
    {
        var blob = service.GetBlobContainerClient(ContainerName(tenantId)).GetBlobClient(path);
        try
        {
            var download = await blob.DownloadContentAsync(new BlobDownloadOptions { Range = new HttpRange(0, BlobCipher.HeaderSize) }, cancellationToken).ConfigureAwait(false);
            return BlobCipher.ParseHeader(download.Value.Content.ToArray()).KeyVersion;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Every object path of the tenant.</summary>
    public async IAsyncEnumerable<string> ListAsync(Guid tenantId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var container = service.GetBlobContainerClient(ContainerName(tenantId));
        if (!await container.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            yield break;
        }
        await foreach (var item in container.GetBlobsAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            yield return item.Name;
        }
    }

    /// <summary>Rewrites an object under the tenant's current key (after a key rotation); false when it is gone.</summary>
    public async Task<bool> ReencryptAsync(Guid tenantId, string path, CancellationToken cancellationToken)
    {
        var blob = service.GetBlobContainerClient(ContainerName(tenantId)).GetBlobClient(path);
        BlobProperties properties;
        try
        {
            properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }
        await using var plaintext = await OpenReadAsync(tenantId, path, cancellationToken).ConfigureAwait(false);
        if (plaintext is null)
        {
            return false;
        }
        string contentType = properties.Metadata.TryGetValue("content_type", out var type) ? type : "application/octet-stream";
        await UploadAsync(tenantId, path, plaintext, contentType, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static async Task<Stream> InMemoryAsync(Stream encrypting, long length, CancellationToken cancellationToken)
    {
        var bytes = new byte[length];
        await encrypting.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
        return new MemoryStream(bytes, writable: false);
    }

    private static async Task<BlobCipher.Header> ReadHeaderAsync(Stream encrypted, CancellationToken cancellationToken)
    {
        var bytes = new byte[BlobCipher.HeaderSize];
        int filled = 0;
        while (filled < bytes.Length)
        {
            int read = await encrypted.ReadAsync(bytes.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }
            filled += read;
        }
        return BlobCipher.ParseHeader(bytes.AsSpan(0, filled));
    }

    public Task DeleteAsync(Guid tenantId, string path, CancellationToken cancellationToken) =>
        service.GetBlobContainerClient(ContainerName(tenantId)).GetBlobClient(path).DeleteIfExistsAsync(cancellationToken: cancellationToken);

    /// <summary>
    /// Deletes everything the tenant stored: first its data keys (crypto-shredding: from that moment nothing of
    /// it can be decrypted, wherever a copy survives), then its whole container.
    /// </summary>
    public async Task DeleteTenantAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        await keys.DestroyAsync(tenantId, below: null, cancellationToken).ConfigureAwait(false);
        _containers.TryRemove(tenantId, out _);
        await service.GetBlobContainerClient(ContainerName(tenantId)).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private async Task<BlobContainerClient> GetContainerAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        if (_containers.TryGetValue(tenantId, out var known))
        {
            return known;
        }
        var container = service.GetBlobContainerClient(ContainerName(tenantId));
        await container.CreateIfNotExistsAsync(PublicAccessType.None, cancellationToken: cancellationToken).ConfigureAwait(false);
        _containers[tenantId] = container;
        return container;
    }
}
