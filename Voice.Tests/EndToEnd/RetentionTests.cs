using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Npgsql;
using Voice.Core.Storage;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.EndToEnd;

/// <summary>Results are deleted when their plan's retention runs out, or when the tenant says so — really deleted.</summary>
[Collection(AppCollection.Name)]
public sealed class RetentionTests(VoiceAppFixture app)
{
    [Fact]
    public async Task ExpiredResultsAreDeletedAndSaySoWhileRecentOnesStay()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        var old = await GenerateAsync(api, "An old result.");
        var recent = await GenerateAsync(api, "A recent result.");
        await using (var db = NpgsqlDataSource.Create(await app.ConnectionStringAsync("voicedb")))
        {
            // Finished long before any plan's retention.
            await using var backdate = db.CreateCommand("update jobs set finished_at = now() - interval '4000 days' where id = $1");
            backdate.Parameters.Add(new() { Value = old });
            Assert.Equal(1, await backdate.ExecuteNonQueryAsync());
        }

        using var admin = app.CreateAdminClient();
        var swept = await (await admin.PostAsync("/admin/v1/retention/sweep", null)).Content.ReadFromJsonAsync<JsonElement>();

        Assert.True(swept.GetProperty("deleted").GetInt32() >= 1, swept.ToString());
        var gone = await api.GetFromJsonAsync<JsonElement>($"/api/v1/task/{old}");
        Assert.Equal("completed", gone.GetProperty("status").GetString()); // the task and its usage stay …
        Assert.Equal(JsonValueKind.Null, gone.GetProperty("result_url").ValueKind); // … its audio does not
        Assert.NotEqual(JsonValueKind.Null, gone.GetProperty("result_deleted_at").ValueKind);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/v1/task/{old}/audio")).StatusCode);
        Assert.Equal(1, await ResultBlobsAsync(tenant.Id)); // only the recent one is still stored
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/api/v1/task/{recent}/audio")).StatusCode);
        var audit = (await api.GetFromJsonAsync<JsonElement>("/api/v1/audit")).GetProperty("data").EnumerateArray();
        Assert.Contains(audit, e => e.GetProperty("action").GetString() == "result.expired"
            && e.GetProperty("details").GetProperty("tasks").EnumerateArray().Any(t => t.GetGuid() == old));
    }

    [Fact]
    public async Task ATenantDeletesAResultsAudioNow()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        var task = await GenerateAsync(api, "Delete my audio.");

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/v1/task/{task}/audio")).StatusCode);

        Assert.Equal(0, await ResultBlobsAsync(tenant.Id));
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/v1/task/{task}/audio")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.DeleteAsync($"/api/v1/task/{task}/audio")).StatusCode);
        var status = await api.GetFromJsonAsync<JsonElement>($"/api/v1/task/{task}");
        Assert.NotEqual(JsonValueKind.Null, status.GetProperty("result_deleted_at").ValueKind);
        Assert.Equal(1, (await api.GetFromJsonAsync<JsonElement>("/api/v1/usage/records")).GetProperty("data").GetArrayLength()); // still billed once
        var audit = (await api.GetFromJsonAsync<JsonElement>("/api/v1/audit")).GetProperty("data").EnumerateArray();
        Assert.Contains(audit, e => e.GetProperty("action").GetString() == "result.deleted" && e.GetProperty("target").GetString() == $"task:{task}");
    }

    private async Task<int> ResultBlobsAsync(Guid tenantId)
    {
        var container = new BlobServiceClient(await app.ConnectionStringAsync("blobs")).GetBlobContainerClient(BlobStore.ContainerName(tenantId));
        int count = 0;
        await foreach (var _ in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, "results/", CancellationToken.None))
        {
            count++;
        }
        return count;
    }

    private static async Task<Guid> GenerateAsync(HttpClient api, string text)
    {
        using var response = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetGuid();
        Assert.Equal("completed", (await TaskPolling.WaitForFinishAsync(api, id, TimeSpan.FromSeconds(60))).GetProperty("status").GetString());
        return id;
    }
}
