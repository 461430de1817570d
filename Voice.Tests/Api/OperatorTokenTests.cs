using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Api;

/// <summary>
/// Operators' own admin tokens: the bootstrap token (Admin:Token) creates one, it is shown once and never listed, it
/// works at once, its revocation refuses it at once, and what each operator does is in the audit log under their name.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class OperatorTokenTests(VoiceAppFixture app)
{
    private const string Problem = "https://voice.dev/problems/";

    [Fact]
    public async Task CreatedTokenWorksIsNeverListedAndIsRefusedRightAfterRevocation()
    {
        using var bootstrap = app.CreateAdminClient();
        string name = UniqueName("alice");

        var (id, token) = await CreateAsync(bootstrap, name);
        Assert.StartsWith("vop_", token);
        Assert.True(token.Length >= 4 + 43, token);
        using var alice = app.CreateAdminClient(token);
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync("/admin/v1/tenants?limit=1")).StatusCode);

        using var listed = await bootstrap.GetAsync("/admin/v1/operators/tokens");
        string listing = await listed.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        Assert.DoesNotContain(token, listing, StringComparison.Ordinal);
        Assert.DoesNotContain(token[4..], listing, StringComparison.Ordinal);
        var row = JsonDocument.Parse(listing).RootElement.GetProperty("tokens").EnumerateArray().Single(t => t.GetProperty("id").GetGuid() == id);
        Assert.Equal(name, row.GetProperty("name").GetString());
        Assert.Equal("operator:bootstrap", row.GetProperty("created_by").GetString());
        Assert.Equal(JsonValueKind.Null, row.GetProperty("revoked_at").ValueKind);
        Assert.NotEqual(JsonValueKind.Null, row.GetProperty("last_used_at").ValueKind);

        Assert.Equal(HttpStatusCode.NoContent, (await bootstrap.DeleteAsync($"/admin/v1/operators/tokens/{id}")).StatusCode);

        await GenerateValidationTests.AssertProblemAsync(await alice.GetAsync("/admin/v1/tenants?limit=1"), HttpStatusCode.Unauthorized, Problem + "unauthenticated");
        var revoked = (await bootstrap.GetFromJsonAsync<JsonElement>("/admin/v1/operators/tokens")).GetProperty("tokens").EnumerateArray().Single(t => t.GetProperty("id").GetGuid() == id);
        Assert.NotEqual(JsonValueKind.Null, revoked.GetProperty("revoked_at").ValueKind);
    }

    [Fact]
    public async Task AnOperatorTokenCanManageOperatorsAndARevokedNameCanBeGivenAgain()
    {
        using var bootstrap = app.CreateAdminClient();
        string name = UniqueName("bob");
        var (id, token) = await CreateAsync(bootstrap, name);
        using var bob = app.CreateAdminClient(token);

        var (carolId, _) = await CreateAsync(bob, UniqueName("carol"));
        Assert.Equal(HttpStatusCode.NoContent, (await bob.DeleteAsync($"/admin/v1/operators/tokens/{carolId}")).StatusCode);

        await GenerateValidationTests.AssertProblemAsync(await bootstrap.PostAsJsonAsync("/admin/v1/operators/tokens", new { name }), HttpStatusCode.Conflict, Problem + "conflict");
        Assert.Equal(HttpStatusCode.NoContent, (await bootstrap.DeleteAsync($"/admin/v1/operators/tokens/{id}")).StatusCode);
        var (againId, _) = await CreateAsync(bootstrap, name);
        Assert.NotEqual(id, againId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("semi;colon")]
    [InlineData("new\nline")]
    [InlineData("bootstrap")]
    public async Task BadNamesAre400(string name)
    {
        using var bootstrap = app.CreateAdminClient();
        using var response = await bootstrap.PostAsJsonAsync("/admin/v1/operators/tokens", new { name });
        await GenerateValidationTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, Problem + "validation");
    }

    [Fact]
    public async Task TooLongNameMissingNameAndUnknownIdAreProblems()
    {
        using var bootstrap = app.CreateAdminClient();
        await GenerateValidationTests.AssertProblemAsync(await bootstrap.PostAsJsonAsync("/admin/v1/operators/tokens", new { name = new string('a', 65) }),
            HttpStatusCode.BadRequest, Problem + "validation");
        await GenerateValidationTests.AssertProblemAsync(await bootstrap.PostAsJsonAsync("/admin/v1/operators/tokens", new { }),
            HttpStatusCode.BadRequest, Problem + "validation");
        await GenerateValidationTests.AssertProblemAsync(await bootstrap.DeleteAsync($"/admin/v1/operators/tokens/{Guid.NewGuid()}"),
            HttpStatusCode.NotFound, Problem + "not-found");
        var (_, token) = await CreateAsync(bootstrap, new string('x', 52) + Guid.NewGuid().ToString("N")[..12]); // 64: the longest allowed
        Assert.StartsWith("vop_", token);
    }

    [Fact]
    public async Task AuditLogNamesTheOperatorWhoActed()
    {
        var tenant = await app.CreateTenantAsync();
        using var bootstrap = app.CreateAdminClient();
        string name = UniqueName("dana");
        var (id, token) = await CreateAsync(bootstrap, name);
        using var dana = app.CreateAdminClient(token);

        (await dana.PatchAsJsonAsync($"/admin/v1/tenants/{tenant.Id}", new { name = "Renamed by dana" })).EnsureSuccessStatusCode();
        using var issued = await dana.PostAsJsonAsync($"/admin/v1/tenants/{tenant.Id}/keys", new { name = "from dana" });
        issued.EnsureSuccessStatusCode();

        using var client = app.CreateApiClient(tenant.ApiKey);
        var events = (await client.GetFromJsonAsync<JsonElement>("/api/v1/audit")).GetProperty("data").EnumerateArray().ToList();
        Assert.Contains(events, e => e.GetProperty("action").GetString() == "tenant.updated" && e.GetProperty("actor").GetString() == $"operator:{name}");
        Assert.Contains(events, e => e.GetProperty("action").GetString()!.StartsWith("key.", StringComparison.Ordinal) && e.GetProperty("actor").GetString() == $"operator:{name}");

        // Creating and revoking a token are in the platform's own log, attributed too.
        await using var database = Npgsql.NpgsqlDataSource.Create(await app.ConnectionStringAsync("voicedb"));
        Assert.Equal(HttpStatusCode.NoContent, (await dana.DeleteAsync($"/admin/v1/operators/tokens/{id}")).StatusCode);
        await using var command = database.CreateCommand("select actor, action from audit_events where tenant_id is null and target = $1 order by seq");
        command.Parameters.Add(new() { Value = $"operator-token:{id}" });
        await using var reader = await command.ExecuteReaderAsync();
        var platform = new List<string>();
        while (await reader.ReadAsync())
        {
            platform.Add($"{reader.GetString(0)} {reader.GetString(1)}");
        }
        Assert.Equal(["operator:bootstrap operator_token.created", $"operator:{name} operator_token.revoked"], platform);
    }

    private static string UniqueName(string who) => $"{who}-{Guid.NewGuid().ToString("N")[..8]}";

    private static async Task<(Guid Id, string Token)> CreateAsync(HttpClient admin, string name)
    {
        using var created = await admin.PostAsJsonAsync("/admin/v1/operators/tokens", new { name });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("info").GetProperty("id").GetGuid(), body.GetProperty("token").GetString()!);
    }
}
