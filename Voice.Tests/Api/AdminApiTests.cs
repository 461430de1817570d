using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Blobs;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Api;

[Collection(AppCollection.Name)]
public sealed class AdminApiTests(VoiceAppFixture app)
{
    [Fact]
    public async Task AdminApiRefusesMissingWrongAndTenantCredentials()
    {
        var tenant = await app.CreateTenantAsync();
        foreach (string? credential in new[] { null, "not-the-admin-token-but-long-enough-to-look-real", "vop_" + new string('A', 43), tenant.ApiKey })
        {
            using var client = app.CreateApiClient(credential, endpoint: VoiceAppFixture.AdminEndpoint);
            using var response = await client.GetAsync("/admin/v1/tenants");
            await GenerateValidationTests.AssertProblemAsync(response, HttpStatusCode.Unauthorized, "https://voice.dev/problems/unauthenticated");
        }
    }

    [Fact]
    public async Task AdminTokenReachesNothingButTheAdminApi()
    {
        using var publicPort = app.CreateApiClient(app.AdminToken);

        using var response = await publicPort.GetAsync("/api/v1/voices");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task DuplicateSlugIs409AndUnknownPlanIs400()
    {
        var tenant = await app.CreateTenantAsync();
        using var admin = app.CreateAdminClient();

        using var duplicate = await admin.PostAsJsonAsync("/admin/v1/tenants", new { slug = tenant.Slug, name = "Again" });
        await GenerateValidationTests.AssertProblemAsync(duplicate, HttpStatusCode.Conflict, "https://voice.dev/problems/conflict");

        using var plan = await admin.PostAsJsonAsync("/admin/v1/tenants", new { slug = "t-" + Guid.NewGuid().ToString("N")[..10], name = "X", plan = "platinum" });
        await GenerateValidationTests.AssertProblemAsync(plan, HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");

        using var slug = await admin.PostAsJsonAsync("/admin/v1/tenants", new { slug = "Bad Slug!", name = "X" });
        await GenerateValidationTests.AssertProblemAsync(slug, HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");
    }

    [Fact]
    public async Task SuspendedTenantsKeysGet403UntilReactivated()
    {
        var tenant = await app.CreateTenantAsync();
        using var admin = app.CreateAdminClient();
        using var client = app.CreateApiClient(tenant.ApiKey);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/tenant")).StatusCode);

        (await admin.PatchAsJsonAsync($"/admin/v1/tenants/{tenant.Id}", new { status = "suspended" })).EnsureSuccessStatusCode();
        await Task.Delay(TimeSpan.FromSeconds(1.1)); // other replicas' caches
        using var suspended = await client.GetAsync("/api/v1/tenant");
        await GenerateValidationTests.AssertProblemAsync(suspended, HttpStatusCode.Forbidden, "https://voice.dev/problems/tenant-suspended");

        (await admin.PatchAsJsonAsync($"/admin/v1/tenants/{tenant.Id}", new { status = "active" })).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/tenant")).StatusCode);
    }

    [Fact]
    public async Task PlanChangeShowsOnTheTenantsNextRequest()
    {
        var tenant = await app.CreateTenantAsync("free");
        using var admin = app.CreateAdminClient();
        using var client = app.CreateApiClient(tenant.ApiKey);
        Assert.Equal("free", (await client.GetFromJsonAsync<JsonElement>("/api/v1/tenant")).GetProperty("plan").GetString());
        using (var refused = await client.PostAsJsonAsync("/api/v1/voice/generate", new { text = "Lossless, please.", format = "flac" }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode); // the free plan has wav and mp3 only
            Assert.Equal("https://voice.dev/problems/plan-restriction", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString());
        }

        (await admin.PatchAsJsonAsync($"/admin/v1/tenants/{tenant.Id}", new { plan = "pro" })).EnsureSuccessStatusCode();

        Assert.Equal("pro", (await client.GetFromJsonAsync<JsonElement>("/api/v1/tenant")).GetProperty("plan").GetString());
        using var accepted = await client.PostAsJsonAsync("/api/v1/voice/generate", new { text = "Lossless, please.", format = "flac" });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
    }

    [Fact]
    public async Task DeletedTenantLosesItsKeysRowsAndStoredAudio()
    {
        var tenant = await app.CreateTenantAsync();
        using var client = app.CreateApiClient(tenant.ApiKey);
        using var submit = await client.PostAsJsonAsync("/api/v1/voice/generate", new { text = "Delete me." });
        var taskId = (await submit.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetGuid();
        await TaskPolling.WaitForFinishAsync(client, taskId, TimeSpan.FromSeconds(60));
        var blobs = new BlobServiceClient(await app.ConnectionStringAsync("blobs"));
        var container = blobs.GetBlobContainerClient("t-" + tenant.Id.ToString("N"));
        Assert.True(await container.ExistsAsync());

        using var admin = app.CreateAdminClient();
        using var deleted = await admin.DeleteAsync($"/admin/v1/tenants/{tenant.Id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        Assert.False(await container.ExistsAsync());
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/tenant")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/admin/v1/tenants/{tenant.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"/admin/v1/tenants/{tenant.Id}")).StatusCode);
    }

    [Fact]
    public async Task UsageCountsTheTenantsJobsOnly()
    {
        var tenant = await app.CreateTenantAsync();
        var other = await app.CreateTenantAsync();
        using var client = app.CreateApiClient(tenant.ApiKey);
        using var otherClient = app.CreateApiClient(other.ApiKey);
        var ids = new List<Guid>();
        foreach (string text in new[] { "One two three.", "Four five six seven." })
        {
            using var submit = await client.PostAsJsonAsync("/api/v1/voice/generate", new { text });
            ids.Add((await submit.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetGuid());
        }
        (await otherClient.PostAsJsonAsync("/api/v1/voice/generate", new { text = "Not counted." })).EnsureSuccessStatusCode();
        foreach (var id in ids)
        {
            await TaskPolling.WaitForFinishAsync(client, id, TimeSpan.FromSeconds(60));
        }

        using var admin = app.CreateAdminClient();
        var usage = await admin.GetFromJsonAsync<JsonElement>($"/admin/v1/tenants/{tenant.Id}/usage");

        Assert.Equal(2, usage.GetProperty("jobs").GetInt64());
        Assert.Equal(2, usage.GetProperty("completed").GetInt64());
        Assert.Equal("One two three.".Length + "Four five six seven.".Length, usage.GetProperty("characters").GetInt64());
        Assert.True(usage.GetProperty("audio_seconds").GetDouble() > 1);
    }

    [Fact]
    public async Task AdminIssuedKeyHasTheRequestedScopesAndIsRevocable()
    {
        var tenant = await app.CreateTenantAsync();
        using var admin = app.CreateAdminClient();
        using var issued = await admin.PostAsJsonAsync($"/admin/v1/tenants/{tenant.Id}/keys", new { name = "usage reader", scopes = new[] { "usage:read" } });
        var body = await issued.Content.ReadFromJsonAsync<JsonElement>();
        string key = body.GetProperty("key").GetString()!;
        string id = body.GetProperty("info").GetProperty("id").GetString()!;
        using var client = app.CreateApiClient(key);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync("/api/v1/voice/generate", new { text = "x" })).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/admin/v1/tenants/{tenant.Id}/keys/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"/admin/v1/tenants/{Guid.NewGuid()}/keys/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/tenant")).StatusCode);
    }
}
