using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Voice.Core.Crypto;
using Voice.Core.Database;
using Voice.Core.Storage;
using Voice.Tests.Api;
using Voice.Tests.Infrastructure;
using Voice.Tests.Worker;

namespace Voice.Tests.EndToEnd;

/// <summary>
/// Envelope encryption on the running platform: what Azurite holds, downloads with ranges, tenant deletion as
/// crypto-shredding, data-key rotation with lazy re-encryption, and master-key rotation by rewrapping.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class EncryptionAtRestTests(VoiceAppFixture app)
{
    [Fact]
    public async Task StoredAudioIsCiphertextAndDownloadsDecryptWithRanges()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        var (taskId, resultUrl) = await GenerateAsync(api, "Nothing of this sentence may be readable in the blob store, not even its header.");
        using var plain = new HttpClient();
        byte[] audio = await plain.GetByteArrayAsync(resultUrl);
        Assert.Equal("RIFF", System.Text.Encoding.ASCII.GetString(audio, 0, 4));

        // At rest: the encrypted format, with neither the WAV header nor any stretch of the PCM in it.
        byte[] stored = await RawBlobAsync(tenant.Id, "results/");
        Assert.Equal("VENC", System.Text.Encoding.ASCII.GetString(stored, 0, 4));
        Assert.Equal(-1, stored.AsSpan().IndexOf("RIFF"u8));
        Assert.Equal(-1, stored.AsSpan().IndexOf("WAVEfmt"u8));
        Assert.Equal(-1, stored.AsSpan().IndexOf(audio.AsSpan(audio.Length / 2, 32)));
        Assert.Equal(BlobCipher.EncryptedLength(audio.Length), stored.Length);

        // A range decrypts only what it needs and is exactly those bytes; the length is the plaintext's.
        using var ranged = new HttpRequestMessage(HttpMethod.Get, resultUrl);
        ranged.Headers.Range = new RangeHeaderValue(70_000, 70_999);
        using var partial = await plain.SendAsync(ranged);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal($"bytes 70000-70999/{audio.Length}", partial.Content.Headers.ContentRange?.ToString());
        Assert.Equal(audio[70_000..71_000], await partial.Content.ReadAsByteArrayAsync());
        Assert.True(partial.Headers.CacheControl is { Private: true, MaxAge.TotalSeconds: 3600, Public: false }, partial.Headers.CacheControl?.ToString());

        // The API key works too; another tenant's key finds nothing.
        using var own = await api.GetAsync($"/api/v1/task/{taskId}/audio");
        Assert.Equal(audio, await own.Content.ReadAsByteArrayAsync());
        Assert.Equal(audio.Length, own.Content.Headers.ContentLength);
        var other = await app.CreateTenantAsync();
        using var otherApi = app.CreateApiClient(other.ApiKey);
        Assert.Equal(HttpStatusCode.NotFound, (await otherApi.GetAsync($"/api/v1/task/{taskId}/audio")).StatusCode);
    }

    [Fact]
    public async Task AStoredObjectAlteredInTheBlobStoreIsRefusedNotServed()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        var (taskId, _) = await GenerateAsync(api, "Tamper with me.");
        var blob = await RawBlobClientAsync(tenant.Id, "results/");
        byte[] stored = (await blob.DownloadContentAsync()).Value.Content.ToArray();
        stored[BlobCipher.HeaderSize + 10] ^= 0x01;
        await blob.UploadAsync(new BinaryData(stored), overwrite: true);

        using var response = await api.GetAsync($"/api/v1/task/{taskId}/audio");

        var problem = await GenerateValidationTests.AssertProblemAsync(response, HttpStatusCode.InternalServerError, "https://voice.dev/problems/stored-object-unreadable");
        Assert.DoesNotContain("RIFF", problem.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeletingATenantDestroysItsKeysSoRestoredBlobsStayUnreadable()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        await GenerateAsync(api, "Shred me.");
        var blob = await RawBlobClientAsync(tenant.Id, "results/");
        byte[] backup = (await blob.DownloadContentAsync()).Value.Content.ToArray();

        using var admin = app.CreateAdminClient();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/admin/v1/tenants/{tenant.Id}")).StatusCode);

        // Someone restores the container from a backup: without the tenant's data key it is noise.
        var container = new BlobServiceClient(await app.ConnectionStringAsync("blobs")).GetBlobContainerClient(BlobStore.ContainerName(tenant.Id));
        await container.CreateIfNotExistsAsync();
        await container.GetBlobClient(blob.Name).UploadAsync(new BinaryData(backup), overwrite: true);
        await using var worker = await WorkerHarness.StartAsync(app, new GatedFakeEngine());
        var store = worker.Services.GetRequiredService<BlobStore>();
        var refused = await Assert.ThrowsAsync<BlobCipherException>(() => store.OpenReadAsync(tenant.Id, blob.Name, CancellationToken.None));
        Assert.Equal(BlobCipherFailure.KeyUnavailable, refused.Failure);
        await container.DeleteAsync();
    }

    [Fact]
    public async Task ARotatedDataKeyEncryptsNewObjectsAndTheOldOnesAreReencryptedThenRetired()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        using var admin = app.CreateAdminClient();
        var (first, firstUrl) = await GenerateAsync(api, "Written under the first key.");
        string voice = await ReadyVoiceAsync(api);
        Assert.Equal(1, await PromptKeyVersionAsync(voice)); // the voice's prompt is encrypted in the database too
        using var plain = new HttpClient();
        byte[] firstAudio = await plain.GetByteArrayAsync(firstUrl);

        var rotated = await (await admin.PostAsync($"/admin/v1/tenants/{tenant.Id}/data-keys/rotate", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal([2, 1], rotated.GetProperty("versions").EnumerateArray().Select(v => v.GetInt32()));
        var (second, _) = await GenerateAsync(api, "Written under the second key.");
        await using var worker = await WorkerHarness.StartAsync(app, new GatedFakeEngine());
        var store = worker.Services.GetRequiredService<BlobStore>();
        var paths = await store.ListAsync(tenant.Id, CancellationToken.None).ToListAsync();
        var versions = await Task.WhenAll(paths.Select(p => store.KeyVersionAsync(tenant.Id, p, CancellationToken.None)));
        Assert.Contains(1, versions.Select(v => v!.Value)); // the old object is still under version 1 (the worker may even write new ones with it for a minute)

        var swept = await (await admin.PostAsync($"/admin/v1/tenants/{tenant.Id}/data-keys/reencrypt", null)).Content.ReadFromJsonAsync<JsonElement>();

        Assert.True(swept.GetProperty("reencrypted").GetInt32() >= 1, swept.ToString());
        Assert.All(await Task.WhenAll(paths.Select(p => store.KeyVersionAsync(tenant.Id, p, CancellationToken.None))), v => Assert.Equal(2, v));
        Assert.Equal(firstAudio, await (await api.GetAsync($"/api/v1/task/{first}/audio")).Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/api/v1/task/{second}/audio")).StatusCode);
        Assert.Equal(2, await PromptKeyVersionAsync(voice));
        using (var speaks = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = "The voice still speaks.", voice }))
        {
            var id = (await speaks.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetGuid();
            Assert.Equal("completed", (await TaskPolling.WaitForFinishAsync(api, id, TimeSpan.FromSeconds(60))).GetProperty("status").GetString());
        }
        // The test platform's grace is zero: version 1 is gone.
        var left = await admin.GetFromJsonAsync<JsonElement>($"/admin/v1/tenants/{tenant.Id}/data-keys");
        Assert.Equal([2], left.GetProperty("versions").EnumerateArray().Select(v => v.GetInt32()));
    }

    [Fact]
    public async Task AMasterKeyRotationRewrapsDataKeysAndEveryObjectStaysReadable()
    {
        var tenant = await app.CreateTenantAsync();
        await using var worker = await WorkerHarness.StartAsync(app, new GatedFakeEngine());
        var database = worker.Services.GetRequiredService<TenantDatabase>();
        var blobService = new BlobServiceClient(await app.ConnectionStringAsync("blobs"));
        await using var adminSource = NpgsqlDataSource.Create(await app.ConnectionStringAsync("voicedb-admin"));
        var oldMaster = new LocalKeyWrapper(new MasterKey(Convert.ToBase64String(RandomNumberGenerator.GetBytes(36))));
        var newMaster = new LocalKeyWrapper(new MasterKey(Convert.ToBase64String(RandomNumberGenerator.GetBytes(36))));
        byte[] content = RandomNumberGenerator.GetBytes(200_000);

        // Written while the old master key is current.
        var before = new BlobStore(blobService, new TenantKeys(database, new KeyRing(oldMaster, []), TimeProvider.System));
        await before.UploadAsync(tenant.Id, "references/rotation.bin", new MemoryStream(content), "application/octet-stream", CancellationToken.None);

        // The new master key is current, the old one kept as previous: reads work, and the rewrap moves the key.
        var rotating = new TenantKeys(database, new KeyRing(newMaster, [oldMaster]), TimeProvider.System);
        Assert.Equal(content, await ReadAllAsync(new BlobStore(blobService, rotating), tenant.Id));
        Assert.True(await rotating.RewrapAllAsync(adminSource, CancellationToken.None) >= 1);

        // Afterwards the old master key can go: the new one alone opens everything; the old one alone nothing.
        Assert.Equal(content, await ReadAllAsync(new BlobStore(blobService, new TenantKeys(database, new KeyRing(newMaster, []), TimeProvider.System)), tenant.Id));
        var stale = new BlobStore(blobService, new TenantKeys(database, new KeyRing(oldMaster, []), TimeProvider.System));
        Assert.Equal(BlobCipherFailure.KeyUnavailable, (await Assert.ThrowsAsync<BlobCipherException>(() => ReadAllAsync(stale, tenant.Id))).Failure);
    }

    private static async Task<string> ReadyVoiceAsync(HttpClient api)
    {
        using var created = await api.PostAsJsonAsync("/api/v1/voices", new { preset = "onyx" });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        string id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await api.GetFromJsonAsync<JsonElement>($"/api/v1/voices/{id}")).GetProperty("status").GetString() != "ready")
        {
            Assert.True(DateTime.UtcNow < deadline, "the voice did not become ready");
            await Task.Delay(100);
        }
        return id;
    }

    /// <summary>The key version in the header of the voice's stored prompt (and that it is the encrypted format at all).</summary>
    private async Task<int> PromptKeyVersionAsync(string voiceId)
    {
        await using var db = NpgsqlDataSource.Create(await app.ConnectionStringAsync("voicedb"));
        await using var command = db.CreateCommand("select prompt from voices where id = $1");
        command.Parameters.Add(new() { Value = Guid.Parse(voiceId) });
        byte[] prompt = (byte[])(await command.ExecuteScalarAsync())!;
        return BlobCipher.ParseHeader(prompt).KeyVersion;
    }

    private static async Task<byte[]> ReadAllAsync(BlobStore store, Guid tenantId)
    {
        await using var stream = await store.OpenReadAsync(tenantId, "references/rotation.bin", CancellationToken.None);
        using var output = new MemoryStream();
        await stream!.CopyToAsync(output);
        return output.ToArray();
    }

    private static async Task<(Guid TaskId, string ResultUrl)> GenerateAsync(HttpClient api, string text)
    {
        using var response = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text, format = "wav" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetGuid();
        var done = await TaskPolling.WaitForFinishAsync(api, id, TimeSpan.FromSeconds(60));
        Assert.Equal("completed", done.GetProperty("status").GetString());
        return (id, done.GetProperty("result_url").GetString()!);
    }

    private async Task<BlobClient> RawBlobClientAsync(Guid tenantId, string prefix)
    {
        var container = new BlobServiceClient(await app.ConnectionStringAsync("blobs")).GetBlobContainerClient(BlobStore.ContainerName(tenantId));
        await foreach (var item in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, CancellationToken.None))
        {
            return container.GetBlobClient(item.Name);
        }
        throw new InvalidOperationException($"no blob under {prefix}");
    }

    private async Task<byte[]> RawBlobAsync(Guid tenantId, string prefix) =>
        (await (await RawBlobClientAsync(tenantId, prefix)).DownloadContentAsync()).Value.Content.ToArray();
}
