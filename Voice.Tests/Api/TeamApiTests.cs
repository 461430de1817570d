using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Voice.Core.Webhooks;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Api;

/// <summary>
/// People and the workspace itself: invitations, roles, removal, password resets (through the development mailbox),
/// renaming and deleting the tenant, and the webhook test event — against the real API, Postgres and Redis.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class TeamApiTests(VoiceAppFixture app)
{
    private const string Password = "a long enough password";
    private const string Problem = "https://voice.dev/problems/";

    [Fact]
    public async Task AnInviteeJoinsWithTheMailedTokenIsPromotedAndRemoved()
    {
        var owner = await SignUpAsync();
        string email = $"new.member@{owner.Slug}.test";

        using var invited = await owner.Api.PostAsJsonAsync("/api/v1/team/invites", new { email, role = "member" });
        Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        string token = (await invited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        Assert.StartsWith("vt_", token, StringComparison.Ordinal);
        var mail = await MailAsync(email, "invite");
        Assert.Equal(token, mail.GetProperty("token").GetString());
        Assert.Contains("/account/accept-invite?token=" + token, mail.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateApiClient(token).GetAsync("/api/v1/tenant")).StatusCode); // not a credential

        using var anonymous = app.CreateApiClient();
        using var accepted = await anonymous.PostAsJsonAsync("/api/v1/auth/accept-invite", new { token, password = Password, display_name = "New Member" });
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        var session = await accepted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("member", session.GetProperty("role").GetString());
        Assert.Equal(owner.Slug, session.GetProperty("tenant_slug").GetString());
        using var member = app.CreatePortalClient(session.GetProperty("session_token").GetString());
        Assert.Equal(HttpStatusCode.Accepted, (await member.PostAsJsonAsync("/api/v1/voice/generate", new { text = "A member speaks." })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync("/api/v1/team")).StatusCode); // members do not manage people
        Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync("/api/v1/keys")).StatusCode);

        // The token worked once.
        using var again = await anonymous.PostAsJsonAsync("/api/v1/auth/accept-invite", new { token, password = Password });
        await GenerateValidationTests.AssertProblemAsync(again, HttpStatusCode.BadRequest, Problem + "invalid-token");

        var team = await owner.Api.GetFromJsonAsync<JsonElement>("/api/v1/team");
        var members = team.GetProperty("members").EnumerateArray().ToList();
        Assert.Equal(["owner", "member"], members.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal(0, team.GetProperty("invites").GetArrayLength());
        Guid memberId = members[1].GetProperty("id").GetGuid();
        Assert.Equal("New Member", members[1].GetProperty("display_name").GetString());

        // Promoted: the member's session now carries an admin's scopes (the change is not left in a cache).
        Assert.Equal(HttpStatusCode.NoContent, (await owner.Api.PatchAsJsonAsync($"/api/v1/team/members/{memberId}", new { role = "admin" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await member.GetAsync("/api/v1/keys")).StatusCode);

        // Removed: their session ends with them.
        Assert.Equal(HttpStatusCode.NoContent, (await owner.Api.DeleteAsync($"/api/v1/team/members/{memberId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await member.GetAsync("/api/v1/tenant")).StatusCode);
        var audit = await owner.Api.GetFromJsonAsync<JsonElement>("/api/v1/audit");
        var actions = audit.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Contains("team.invited", actions);
        Assert.Contains("team.invite_accepted", actions);
        Assert.Contains("team.role_changed", actions);
        Assert.Contains("team.member_removed", actions);
    }

    [Fact]
    public async Task TeamChangesThatWouldLockAWorkspaceOutOrConfuseItAreRefused()
    {
        var owner = await SignUpAsync();
        var admin = await JoinAsync(owner, $"admin@{owner.Slug}.test", "admin");
        var team = await owner.Api.GetFromJsonAsync<JsonElement>("/api/v1/team");
        Guid ownerId = team.GetProperty("members")[0].GetProperty("id").GetGuid();
        Guid adminId = team.GetProperty("members")[1].GetProperty("id").GetGuid();

        // Nobody changes or removes the owner, nor themselves.
        await GenerateValidationTests.AssertProblemAsync(await admin.PatchAsJsonAsync($"/api/v1/team/members/{ownerId}", new { role = "member" }), HttpStatusCode.Conflict, Problem + "conflict");
        await GenerateValidationTests.AssertProblemAsync(await admin.DeleteAsync($"/api/v1/team/members/{ownerId}"), HttpStatusCode.Conflict, Problem + "conflict");
        await GenerateValidationTests.AssertProblemAsync(await admin.DeleteAsync($"/api/v1/team/members/{adminId}"), HttpStatusCode.Conflict, Problem + "conflict");
        // Only admin or member can be given; an address that is already a member is not invited.
        var badRole = await GenerateValidationTests.AssertProblemAsync(
            await owner.Api.PatchAsJsonAsync($"/api/v1/team/members/{adminId}", new { role = "owner" }), HttpStatusCode.BadRequest, Problem + "validation");
        Assert.True(badRole.GetProperty("errors").TryGetProperty("role", out _));
        await GenerateValidationTests.AssertProblemAsync(await owner.Api.PostAsJsonAsync("/api/v1/team/invites", new { email = "x@y.test", role = "owner" }), HttpStatusCode.BadRequest, Problem + "validation");
        await GenerateValidationTests.AssertProblemAsync(await owner.Api.PostAsJsonAsync("/api/v1/team/invites", new { email = "not an address" }), HttpStatusCode.BadRequest, Problem + "validation");
        await GenerateValidationTests.AssertProblemAsync(
            await owner.Api.PostAsJsonAsync("/api/v1/team/invites", new { email = $"ADMIN@{owner.Slug}.test" }), HttpStatusCode.Conflict, Problem + "conflict");
        await GenerateValidationTests.AssertProblemAsync(await owner.Api.DeleteAsync($"/api/v1/team/members/{Guid.NewGuid()}"), HttpStatusCode.NotFound, Problem + "not-found");

        // Inviting an address again replaces the open invitation: the first token stops working; a withdrawn one too.
        string first = await InviteAsync(owner, "twice@x.test");
        string second = await InviteAsync(owner, "twice@x.test");
        var invites = (await owner.Api.GetFromJsonAsync<JsonElement>("/api/v1/team")).GetProperty("invites");
        Assert.Equal(1, invites.GetArrayLength());
        using var anonymous = app.CreateApiClient();
        await GenerateValidationTests.AssertProblemAsync(
            await anonymous.PostAsJsonAsync("/api/v1/auth/accept-invite", new { token = first, password = Password }), HttpStatusCode.BadRequest, Problem + "invalid-token");
        Assert.Equal(HttpStatusCode.NoContent, (await owner.Api.DeleteAsync($"/api/v1/team/invites/{invites[0].GetProperty("id").GetString()}")).StatusCode);
        await GenerateValidationTests.AssertProblemAsync(
            await anonymous.PostAsJsonAsync("/api/v1/auth/accept-invite", new { token = second, password = Password }), HttpStatusCode.BadRequest, Problem + "invalid-token");
        await GenerateValidationTests.AssertProblemAsync(
            await anonymous.PostAsJsonAsync("/api/v1/auth/accept-invite", new { token = "vt_garbage", password = Password }), HttpStatusCode.BadRequest, Problem + "invalid-token");
        var weak = await GenerateValidationTests.AssertProblemAsync(
            await anonymous.PostAsJsonAsync("/api/v1/auth/accept-invite", new { token = second, password = "short" }), HttpStatusCode.BadRequest, Problem + "validation");
        Assert.True(weak.GetProperty("errors").TryGetProperty("password", out _));
    }

    [Fact]
    public async Task AnotherTenantCannotSeeOrTouchTheTeam()
    {
        var owner = await SignUpAsync();
        await JoinAsync(owner, $"m@{owner.Slug}.test", "member");
        string token = await InviteAsync(owner, "pending@x.test");
        var team = await owner.Api.GetFromJsonAsync<JsonElement>("/api/v1/team");
        Guid memberId = team.GetProperty("members")[1].GetProperty("id").GetGuid();
        string inviteId = team.GetProperty("invites")[0].GetProperty("id").GetString()!;

        var other = await SignUpAsync();
        var theirs = await other.Api.GetFromJsonAsync<JsonElement>("/api/v1/team");
        Assert.Equal(1, theirs.GetProperty("members").GetArrayLength());
        Assert.Equal(0, theirs.GetProperty("invites").GetArrayLength());
        await GenerateValidationTests.AssertProblemAsync(await other.Api.DeleteAsync($"/api/v1/team/members/{memberId}"), HttpStatusCode.NotFound, Problem + "not-found");
        await GenerateValidationTests.AssertProblemAsync(await other.Api.PatchAsJsonAsync($"/api/v1/team/members/{memberId}", new { role = "admin" }), HttpStatusCode.NotFound, Problem + "not-found");
        await GenerateValidationTests.AssertProblemAsync(await other.Api.DeleteAsync($"/api/v1/team/invites/{inviteId}"), HttpStatusCode.NotFound, Problem + "not-found");

        // Nothing changed for the owner; the invitation still works, into its own tenant.
        Assert.Equal(2, (await owner.Api.GetFromJsonAsync<JsonElement>("/api/v1/team")).GetProperty("members").GetArrayLength());
        using var accepted = await app.CreateApiClient().PostAsJsonAsync("/api/v1/auth/accept-invite", new { token, password = Password });
        Assert.Equal(owner.Slug, (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("tenant_slug").GetString());
    }

    [Fact]
    public async Task APasswordResetSetsANewPasswordOnceAndEndsEverySession()
    {
        var owner = await SignUpAsync();
        using var anonymous = app.CreateApiClient();

        Assert.Equal(HttpStatusCode.Accepted, (await anonymous.PostAsJsonAsync("/api/v1/auth/password-reset", new { tenant = owner.Slug, email = owner.Email.ToUpperInvariant() })).StatusCode);
        // An unknown address gets the same answer, and no mail.
        string stranger = $"nobody@{owner.Slug}.test";
        Assert.Equal(HttpStatusCode.Accepted, (await anonymous.PostAsJsonAsync("/api/v1/auth/password-reset", new { tenant = owner.Slug, email = stranger })).StatusCode);
        using (var admin = app.CreateAdminClient())
        {
            Assert.Equal(0, (await admin.GetFromJsonAsync<JsonElement>($"/admin/v1/mailbox?to={stranger}")).GetArrayLength());
        }
        string token = (await MailAsync(owner.Email, "password_reset")).GetProperty("token").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await owner.Api.GetAsync("/api/v1/tenant")).StatusCode); // asking changes nothing yet

        var weak = await GenerateValidationTests.AssertProblemAsync(
            await anonymous.PostAsJsonAsync("/api/v1/auth/password-reset/confirm", new { token, password = "short" }), HttpStatusCode.BadRequest, Problem + "validation");
        Assert.True(weak.GetProperty("errors").TryGetProperty("password", out _));
        const string NewPassword = "another long enough password";
        Assert.Equal(HttpStatusCode.NoContent, (await anonymous.PostAsJsonAsync("/api/v1/auth/password-reset/confirm", new { token, password = NewPassword })).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await owner.Api.GetAsync("/api/v1/tenant")).StatusCode); // the old session ended
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/v1/auth/login", new { tenant = owner.Slug, email = owner.Email, password = Password })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostAsJsonAsync("/api/v1/auth/login", new { tenant = owner.Slug, email = owner.Email, password = NewPassword })).StatusCode);
        await GenerateValidationTests.AssertProblemAsync(
            await anonymous.PostAsJsonAsync("/api/v1/auth/password-reset/confirm", new { token, password = "yet another long password" }), HttpStatusCode.BadRequest, Problem + "invalid-token");
        await GenerateValidationTests.AssertProblemAsync(
            await anonymous.PostAsJsonAsync("/api/v1/auth/password-reset", new { tenant = "NOT A SLUG", email = owner.Email }), HttpStatusCode.BadRequest, Problem + "validation");
    }

    [Fact]
    public async Task OnlyTheSignedInOwnerDeletesTheWorkspaceAndEverythingGoes()
    {
        var owner = await SignUpAsync();
        var admin = await JoinAsync(owner, $"admin@{owner.Slug}.test", "admin");
        await app.VerifyEmailAsync(owner.Email);
        using var created = await owner.Api.PostAsJsonAsync("/api/v1/keys", new { name = "all" });
        string key = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
        using var keyClient = app.CreateApiClient(key);
        var task = await TaskLifecycleTests.FloodAsync(keyClient, 1);
        Assert.Equal("completed", (await TaskPolling.WaitForFinishAsync(keyClient, task[0], TimeSpan.FromSeconds(60))).GetProperty("status").GetString());

        await GenerateValidationTests.AssertProblemAsync(await SendDeleteAsync(keyClient, owner.Slug), HttpStatusCode.Forbidden, Problem + "forbidden");
        await GenerateValidationTests.AssertProblemAsync(await SendDeleteAsync(admin, owner.Slug), HttpStatusCode.Forbidden, Problem + "forbidden");
        await GenerateValidationTests.AssertProblemAsync(await SendDeleteAsync(owner.Api, "not-the-slug"), HttpStatusCode.BadRequest, Problem + "validation");
        Assert.Equal(HttpStatusCode.OK, (await keyClient.GetAsync($"/api/v1/task/{task[0]}")).StatusCode); // nothing went

        Assert.Equal(HttpStatusCode.NoContent, (await SendDeleteAsync(owner.Api, owner.Slug)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await owner.Api.GetAsync("/api/v1/tenant")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await keyClient.GetAsync("/api/v1/tenant")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateApiClient().PostAsJsonAsync("/api/v1/auth/login", new { tenant = owner.Slug, email = owner.Email, password = Password })).StatusCode);
        using var adminApi = app.CreateAdminClient();
        var tenants = await adminApi.GetFromJsonAsync<JsonElement>("/admin/v1/tenants?limit=1000");
        Assert.DoesNotContain(tenants.GetProperty("data").EnumerateArray(), t => t.GetProperty("slug").GetString() == owner.Slug);
        // The slug is free again.
        Assert.Equal(HttpStatusCode.Created, (await app.CreateApiClient().PostAsJsonAsync("/api/v1/auth/signup",
            new { tenant_name = "Again", slug = owner.Slug, email = owner.Email, password = Password })).StatusCode);
    }

    [Fact]
    public async Task TheWorkspaceIsRenamedAndShowsItsPlan()
    {
        var owner = await SignUpAsync();
        using var renamed = await owner.Api.PatchAsJsonAsync("/api/v1/tenant", new { name = "Renamed Audio" });
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        var tenant = await owner.Api.GetFromJsonAsync<JsonElement>("/api/v1/tenant");
        Assert.Equal("Renamed Audio", tenant.GetProperty("name").GetString());
        Assert.Equal(owner.Slug, tenant.GetProperty("slug").GetString());
        await GenerateValidationTests.AssertProblemAsync(await owner.Api.PatchAsJsonAsync("/api/v1/tenant", new { name = "  " }), HttpStatusCode.BadRequest, Problem + "validation");

        var plan = await owner.Api.GetFromJsonAsync<JsonElement>("/api/v1/tenant/plan");
        Assert.Equal(tenant.GetProperty("plan").GetString(), plan.GetProperty("id").GetString());
        Assert.True(plan.GetProperty("retention_days").GetInt32() > 0);
    }

    [Fact]
    public async Task AWebhookTestEventIsSignedAndReportsTheEndpointsAnswer()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        var (webhookId, secret) = await WebhooksApiTests.CreateWebhookAsync(api, receiver.Url("/hooks/test"));

        using var sent = await api.PostAsync($"/api/v1/webhooks/{webhookId}/test", null);
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        var result = await sent.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(result.GetProperty("delivered").GetBoolean());
        Assert.Equal(200, result.GetProperty("status_code").GetInt32());
        var request = Assert.Single(receiver.Requests);
        Assert.Equal("webhook.test", request.Headers["Voice-Event"]);
        var body = JsonDocument.Parse(request.Body).RootElement;
        Assert.Equal("webhook.test", body.GetProperty("type").GetString());
        Assert.Equal(webhookId, body.GetProperty("data").GetProperty("webhook_id").GetGuid());
        long timestamp = long.Parse(request.Headers["Voice-Signature"].Split(',')[0][2..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(WebhookSender.Sign(System.Text.Encoding.UTF8.GetBytes(secret), timestamp, request.Body), request.Headers["Voice-Signature"]);

        receiver.Script.Enqueue(503);
        var failed = await (await api.PostAsync($"/api/v1/webhooks/{webhookId}/test", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(failed.GetProperty("delivered").GetBoolean());
        Assert.Equal(503, failed.GetProperty("status_code").GetInt32());
        // Tests are not deliveries: the log stays empty.
        Assert.Equal(0, (await api.GetFromJsonAsync<JsonElement>($"/api/v1/webhooks/{webhookId}/deliveries")).GetProperty("data").GetArrayLength());

        var other = await app.CreateTenantAsync();
        using var otherApi = app.CreateApiClient(other.ApiKey);
        await GenerateValidationTests.AssertProblemAsync(await otherApi.PostAsync($"/api/v1/webhooks/{webhookId}/test", null), HttpStatusCode.NotFound, Problem + "not-found");
        Assert.Equal(2, receiver.Requests.Count);
    }

    private sealed record Owner(string Slug, string Email, HttpClient Api);

    private async Task<Owner> SignUpAsync()
    {
        string slug = "tm-" + Guid.NewGuid().ToString("N")[..10];
        string email = $"owner@{slug}.test";
        using var anonymous = app.CreateApiClient();
        using var signup = await anonymous.PostAsJsonAsync("/api/v1/auth/signup", new { tenant_name = "Team " + slug, slug, email, password = Password });
        signup.EnsureSuccessStatusCode();
        string token = (await signup.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("session_token").GetString()!;
        return new Owner(slug, email, app.CreatePortalClient(token));
    }

    private static async Task<string> InviteAsync(Owner owner, string email, string role = "member")
    {
        using var invited = await owner.Api.PostAsJsonAsync("/api/v1/team/invites", new { email, role });
        Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        return (await invited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    /// <summary>Invites and accepts; the new user's session client.</summary>
    private async Task<HttpClient> JoinAsync(Owner owner, string email, string role)
    {
        string token = await InviteAsync(owner, email, role);
        using var accepted = await app.CreateApiClient().PostAsJsonAsync("/api/v1/auth/accept-invite", new { token, password = Password });
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        return app.CreatePortalClient((await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("session_token").GetString());
    }

    private async Task<JsonElement> MailAsync(string to, string kind)
    {
        using var admin = app.CreateAdminClient();
        var mails = await admin.GetFromJsonAsync<JsonElement>($"/admin/v1/mailbox?to={Uri.EscapeDataString(to)}");
        return mails.EnumerateArray().First(m => m.GetProperty("kind").GetString() == kind);
    }

    private static Task<HttpResponseMessage> SendDeleteAsync(HttpClient client, string confirm) =>
        client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/api/v1/tenant") { Content = JsonContent.Create(new { confirm }) });
}
