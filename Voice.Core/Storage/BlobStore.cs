using System.Collections.Concurrent;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Voice.Core.Storage;

/// <summary>
/// Tenant-scoped object storage: each tenant owns one container (<c>t-&lt;tenant id&gt;</c>), so its data can
/// be listed, measured and deleted as a unit, and no path a tenant supplies can reach another's objects.
/// </summary>
public sealed class BlobStore(BlobServiceClient service)
{
    private readonly ConcurrentDictionary<Guid, BlobContainerClient> _containers = new();

    public static string ContainerName(Guid tenantId) => "t-" + tenantId.ToString("N");

    public async Task<long> UploadAsync(Guid tenantId, string path, Stream content, string contentType, CancellationToken cancellationToken)
    {
        var container = await GetContainerAsync(tenantId, cancellationToken).ConfigureAwait(false);
        var blob = container.GetBlobClient(path);
        var options = new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = contentType } };
        await blob.UploadAsync(content, options, cancellationToken).ConfigureAwait(false);
        return content.CanSeek ? content.Length : -1;
    }

    /// <summary>Opens an object for streaming, or null when it does not exist.</summary>
    public async Task<Stream?> OpenReadAsync(Guid tenantId, string path, CancellationToken cancellationToken)
    {
        var blob = service.GetBlobContainerClient(ContainerName(tenantId)).GetBlobClient(path);
        try
        {
            return await blob.OpenReadAsync(new BlobOpenReadOptions(allowModifications: false), cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    public Task DeleteAsync(Guid tenantId, string path, CancellationToken cancellationToken) =>
        service.GetBlobContainerClient(ContainerName(tenantId)).GetBlobClient(path).DeleteIfExistsAsync(cancellationToken: cancellationToken);

    /// <summary>Deletes everything the tenant stored (its whole container).</summary>
    public async Task DeleteTenantAsync(Guid tenantId, CancellationToken cancellationToken)
    {
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
