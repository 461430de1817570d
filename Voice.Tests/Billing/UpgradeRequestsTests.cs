using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Voice.Tests.Api;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Billing;

/// <summary>The public plan comparison, an owner's upgrade request, and the operator approving or declining it.</summary>
[Collection(AppCollection.Name)]
public sealed class UpgradeRequestsTests(VoiceAppFixture app)
{
    private const string Password = "a long enough password";

    [Fact]
    public async Task PlansAreListedPubliclyWithPricesAndOnlyTheListedOnes()
    {
        string unlisted = await app.CreatePlanAsync(new { name = "Just for one customer" });
        using var anonymous = app.CreateApiClient();

        var plans = (await anonymous.GetFromJsonAsync<JsonElement>("/api/v1/plans")).GetProperty("data").EnumerateArray().ToList();

        Assert.Equal(["free", "starter", "pro", "enterprise"], plans.Select(p => p.GetProperty("id").GetString()));
        var starter = plans.Single(p => p.GetProperty("id").GetString() == "starter");
        Assert.Equal(0.015m, starter.GetProperty("price_per_1k_characters").GetDecimal());
        Assert.Equal("USD", starter.GetProperty("currency").GetString());
        Assert.DoesNotContain(plans, p => p.GetProperty("id").GetString() == unlisted);
    }

    [Fact]
    public async Task TheOwnerAsksTheOperatorApprovesAndThePlanChanges()
    {
        var (owner, tenantId) = await SignUpAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync("/api/v1/tenant/upgrade-request")).StatusCode);

        using var asked = await owner.PostAsJsonAsync("/api/v1/tenant/upgrade-request", new { plan = "pro", note = "We launch next week." });
        Assert.Equal(HttpStatusCode.Created, asked.StatusCode);
        var request = await asked.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("pending", request.GetProperty("status").GetString());
        Assert.Equal("free", request.GetProperty("current_plan").GetString());
        using var twice = await owner.PostAsJsonAsync("/api/v1/tenant/upgrade-request", new { plan = "starter" });
        await GenerateValidationTests.AssertProblemAsync(twice, HttpStatusCode.Conflict, "https://voice.dev/problems/conflict"); // one open request

        using var admin = app.CreateAdminClient();
        var pending = (await admin.GetFromJsonAsync<JsonElement>("/admin/v1/upgrade-requests?status=pending")).GetProperty("data").EnumerateArray();
        string id = pending.Single(r => r.GetProperty("tenant_id").GetGuid() == tenantId).GetProperty("id").GetString()!;
        using var approved = await admin.PostAsync($"/admin/v1/upgrade-requests/{id}/approve", null);
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        using var again = await admin.PostAsync($"/admin/v1/upgrade-requests/{id}/decline", null);
        await GenerateValidationTests.AssertProblemAsync(again, HttpStatusCode.Conflict, "https://voice.dev/problems/conflict");

        await Task.Delay(TimeSpan.FromSeconds(1.1)); // credentials (and their plan) are cached for a second
        Assert.Equal("pro", (await owner.GetFromJsonAsync<JsonElement>("/api/v1/tenant")).GetProperty("plan").GetString());
        Assert.Equal("pro", (await owner.GetFromJsonAsync<JsonElement>("/api/v1/tenant/plan")).GetProperty("id").GetString());
        Assert.Equal("approved", (await owner.GetFromJsonAsync<JsonElement>("/api/v1/tenant/upgrade-request")).GetProperty("status").GetString());
        var actions = (await owner.GetFromJsonAsync<JsonElement>("/api/v1/audit")).GetProperty("data").EnumerateArray()
            .Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Contains("plan.upgrade_requested", actions);
        Assert.Contains("plan.upgrade_approved", actions);
    }

    [Fact]
    public async Task ADeclinedRequestLeavesThePlanAndMayBeAskedAgain()
    {
        var (owner, tenantId) = await SignUpAsync();
        using var asked = await owner.PostAsJsonAsync("/api/v1/tenant/upgrade-request", new { plan = "starter" });
        string id = (await asked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        using var admin = app.CreateAdminClient();

        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/admin/v1/upgrade-requests/{id}/decline", null)).StatusCode);

        Assert.Equal("free", (await owner.GetFromJsonAsync<JsonElement>("/api/v1/tenant")).GetProperty("plan").GetString());
        Assert.Equal("declined", (await owner.GetFromJsonAsync<JsonElement>("/api/v1/tenant/upgrade-request")).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Created, (await owner.PostAsJsonAsync("/api/v1/tenant/upgrade-request", new { plan = "starter" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync($"/admin/v1/upgrade-requests/{Guid.NewGuid()}/approve", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync("/admin/v1/upgrade-requests/not-an-id/approve", null)).StatusCode);
    }

    [Fact]
    public async Task OnlyTheSignedInOwnerAsksAndOnlyForAListedOtherPlan()
    {
        var tenant = await app.CreateTenantAsync();
        using var key = app.CreateApiClient(tenant.ApiKey); // every scope, but a key is not the owner
        await GenerateValidationTests.AssertProblemAsync(await key.PostAsJsonAsync("/api/v1/tenant/upgrade-request", new { plan = "pro" }),
            HttpStatusCode.Forbidden, "https://voice.dev/problems/forbidden");
        var (owner, _) = await SignUpAsync();
        await GenerateValidationTests.AssertProblemAsync(await owner.PostAsJsonAsync("/api/v1/tenant/upgrade-request", new { plan = "free" }),
            HttpStatusCode.BadRequest, "https://voice.dev/problems/validation"); // already on it
        await GenerateValidationTests.AssertProblemAsync(await owner.PostAsJsonAsync("/api/v1/tenant/upgrade-request", new { plan = "no-such-plan" }),
            HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");
        using var keyOnAdminListener = app.CreateAdminClient(tenant.ApiKey);
        Assert.Equal(HttpStatusCode.Unauthorized, (await keyOnAdminListener.GetAsync("/admin/v1/upgrade-requests")).StatusCode);
    }

    [Fact]
    public async Task AWorkspaceSeesOnlyItsOwnRequest()
    {
        var (a, _) = await SignUpAsync();
        var (b, _) = await SignUpAsync();
        (await a.PostAsJsonAsync("/api/v1/tenant/upgrade-request", new { plan = "enterprise" })).EnsureSuccessStatusCode();

        Assert.Equal(HttpStatusCode.NotFound, (await b.GetAsync("/api/v1/tenant/upgrade-request")).StatusCode);
        Assert.Equal("enterprise", (await a.GetFromJsonAsync<JsonElement>("/api/v1/tenant/upgrade-request")).GetProperty("plan").GetString());
    }

    /// <summary>A new workspace on the free plan, and its owner's session as the portal uses it.</summary>
    private async Task<(HttpClient Owner, Guid TenantId)> SignUpAsync()
    {
        string slug = "u-" + Guid.NewGuid().ToString("N")[..12];
        using var anonymous = app.CreateApiClient();
        using var signup = await anonymous.PostAsJsonAsync("/api/v1/auth/signup", new { tenant_name = "Upgrade " + slug, slug, email = $"owner@{slug}.test", password = Password });
        Assert.Equal(HttpStatusCode.Created, signup.StatusCode);
        var session = await signup.Content.ReadFromJsonAsync<JsonElement>();
        return (app.CreatePortalClient(session.GetProperty("session_token").GetString()), session.GetProperty("tenant_id").GetGuid());
    }
}
