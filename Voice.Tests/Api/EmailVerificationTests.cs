using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Api;

/// <summary>A signed-up owner proves their address before the workspace gets its first API key.</summary>
[Collection(AppCollection.Name)]
public sealed class EmailVerificationTests(VoiceAppFixture app)
{
    private const string Password = "a long enough password";
    private const string Problem = "https://voice.dev/problems/";

    [Fact]
    public async Task AnOwnerCreatesKeysOnlyAfterVerifyingTheAddressThroughTheMailedLink()
    {
        var (email, owner) = await SignUpAsync();
        Assert.False((await owner.GetFromJsonAsync<JsonElement>("/api/v1/auth/verify-email")).GetProperty("verified").GetBoolean());

        using var refused = await owner.PostAsJsonAsync("/api/v1/keys", new { name = "too early" });
        var problem = await GenerateValidationTests.AssertProblemAsync(refused, HttpStatusCode.Forbidden, Problem + "email-not-verified");
        Assert.Contains("/api/v1/auth/verify-email", problem.GetProperty("detail").GetString());

        string token = await app.TokenAsync(email, "email_verification");
        using var mailbox = app.CreateAdminClient();
        var mail = (await mailbox.GetFromJsonAsync<JsonElement>($"/admin/v1/mailbox?to={Uri.EscapeDataString(email)}"))[0];
        Assert.Contains($"/account/verify-email?token={token}", mail.GetProperty("text").GetString());
        using var anonymous = app.CreateApiClient();
        Assert.Equal(HttpStatusCode.NoContent, (await anonymous.PostAsJsonAsync("/api/v1/auth/verify-email", new { token })).StatusCode);

        Assert.True((await owner.GetFromJsonAsync<JsonElement>("/api/v1/auth/verify-email")).GetProperty("verified").GetBoolean());
        using var created = await owner.PostAsJsonAsync("/api/v1/keys", new { name = "after verifying" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        // The link works once.
        await GenerateValidationTests.AssertProblemAsync(await anonymous.PostAsJsonAsync("/api/v1/auth/verify-email", new { token }),
            HttpStatusCode.BadRequest, Problem + "invalid-token");
    }

    [Theory]
    [InlineData("not a token")]
    [InlineData("vt_aaaaaaaaaaaa_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("")]
    public async Task AnInvalidTokenIs400InvalidToken(string token)
    {
        using var anonymous = app.CreateApiClient();

        using var response = await anonymous.PostAsJsonAsync("/api/v1/auth/verify-email", new { token });

        await GenerateValidationTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, Problem + "invalid-token");
    }

    [Fact]
    public async Task AnotherUsersTokenKindDoesNotVerify()
    {
        var (email, owner) = await SignUpAsync();
        using var anonymous = app.CreateApiClient();
        string slug = email.Split('@')[1].Replace(".test", "", StringComparison.Ordinal);
        (await anonymous.PostAsJsonAsync("/api/v1/auth/password-reset", new { tenant = slug, email })).EnsureSuccessStatusCode();
        string resetToken = await app.TokenAsync(email, "password_reset");

        using var response = await anonymous.PostAsJsonAsync("/api/v1/auth/verify-email", new { token = resetToken });

        await GenerateValidationTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, Problem + "invalid-token");
        Assert.False((await owner.GetFromJsonAsync<JsonElement>("/api/v1/auth/verify-email")).GetProperty("verified").GetBoolean());
    }

    [Fact]
    public async Task ResendingMailsANewLinkAndVoidsTheOldOneAFewTimesAnHour()
    {
        var (email, owner) = await SignUpAsync();
        string first = await app.TokenAsync(email, "email_verification");

        Assert.Equal(HttpStatusCode.Accepted, (await owner.PostAsync("/api/v1/auth/verify-email/resend", null)).StatusCode);
        string second = await app.TokenAsync(email, "email_verification");
        Assert.NotEqual(first, second);
        using var anonymous = app.CreateApiClient();
        Assert.Equal(HttpStatusCode.BadRequest, (await anonymous.PostAsJsonAsync("/api/v1/auth/verify-email", new { token = first })).StatusCode);

        HttpResponseMessage? last = null;
        for (int i = 0; i < 10 && last?.StatusCode != HttpStatusCode.TooManyRequests; i++) // five an hour (two windows at most)
        {
            last?.Dispose();
            last = await owner.PostAsync("/api/v1/auth/verify-email/resend", null);
        }
        using (last)
        {
            await GenerateValidationTests.AssertProblemAsync(last!, HttpStatusCode.TooManyRequests, Problem + "rate-limited");
            Assert.True(last!.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        }
        string latest = await app.TokenAsync(email, "email_verification");
        Assert.Equal(HttpStatusCode.NoContent, (await anonymous.PostAsJsonAsync("/api/v1/auth/verify-email", new { token = latest })).StatusCode);
    }

    [Fact]
    public async Task AnInvitedPersonIsVerifiedAndAnOperatorsTenantIsNotHeldUp()
    {
        var (email, owner) = await SignUpAsync();
        await app.VerifyEmailAsync(email);
        string slug = email.Split('@')[1].Replace(".test", "", StringComparison.Ordinal);
        using var invited = await owner.PostAsJsonAsync("/api/v1/team/invites", new { email = $"admin@{slug}.test", role = "admin" });
        string invite = (await invited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        using var anonymous = app.CreateApiClient();
        using var accepted = await anonymous.PostAsJsonAsync("/api/v1/auth/accept-invite", new { token = invite, password = Password });
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        using var admin = app.CreatePortalClient((await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("session_token").GetString());

        var status = await admin.GetFromJsonAsync<JsonElement>("/api/v1/auth/verify-email");
        Assert.True(status.GetProperty("verified").GetBoolean());
        await GenerateValidationTests.AssertProblemAsync(await admin.PostAsync("/api/v1/auth/verify-email/resend", null), HttpStatusCode.Conflict, Problem + "conflict");
        // A tenant the operator made has no owner to verify: its key makes keys at once.
        var tenant = await app.CreateTenantAsync();
        using var operatorKey = app.CreateApiClient(tenant.ApiKey);
        Assert.Equal(HttpStatusCode.Created, (await operatorKey.PostAsJsonAsync("/api/v1/keys", new { name = "second" })).StatusCode);
        await GenerateValidationTests.AssertProblemAsync(await operatorKey.GetAsync("/api/v1/auth/verify-email"), HttpStatusCode.BadRequest, Problem + "bad-request");
    }

    private async Task<(string Email, HttpClient Owner)> SignUpAsync()
    {
        string slug = "ev-" + Guid.NewGuid().ToString("N")[..10];
        string email = $"owner@{slug}.test";
        using var anonymous = app.CreateApiClient();
        using var signup = await anonymous.PostAsJsonAsync("/api/v1/auth/signup", new { tenant_name = "Verify " + slug, slug, email, password = Password });
        Assert.Equal(HttpStatusCode.Created, signup.StatusCode);
        return (email, app.CreatePortalClient((await signup.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("session_token").GetString()));
    }
}
