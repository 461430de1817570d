using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Voice.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Voice.Tests.Api;

/// <summary>
/// Broken object-level authorisation, tested from the API's own endpoint list (its OpenAPI document): every
/// operation whose path names an object is called by tenant B with tenant A's object, and the other way
/// round. The answer must be exactly a missing object's (404 not-found), and the owner's audit log must
/// record the attempt. An endpoint with an object parameter this test does not know fails the test, so a
/// new endpoint cannot ship without its case.
/// </summary>
[Collection(AppCollection.Name)]
public sealed partial class CrossTenantMatrixTests(VoiceAppFixture app, ITestOutputHelper output)
{
    /// <summary>Object kinds by path pattern: which of a tenant's objects fills the path.</summary>
    private static readonly (Regex Path, string Kind)[] ObjectKinds =
    [
        (new Regex(@"^/api/v1/task/\{id\}(/events|/audio)?$"), "task"),
        (new Regex(@"^/api/v1/keys/\{id\}$"), "key"),
        (new Regex(@"^/api/v1/webhooks/\{id\}(/deliveries|/test)?$"), "webhook"),
        (new Regex(@"^/api/v1/team/members/\{id\}$"), "user"),
        (new Regex(@"^/api/v1/team/invites/\{id\}$"), "invite"),
        (new Regex(@"^/api/v1/voices/\{id\}(/preview|/consent)?$"), "voice"),
        (new Regex(@"^/api/v1/voices/designs/\{id\}(/keep)?$"), "voice_design"),
        (new Regex(@"^/api/v1/lexicons/\{id\}$"), "lexicon"),
    ];

    /// <summary>Object paths that are not authorised by a tenant credential, and why.</summary>
    private static readonly (Regex Path, string Reason)[] NotTenantAuthorised =
    [
        (new Regex(@"^/api/v1/task/\{id\}/result$"), "authorised by an HMAC signature over tenant+task; see TamperedOrForeignResultLinksAreRefused"),
        (new Regex(@"^/admin/"), "admin API: tenant credentials are checked to get 401"),
        (new Regex(@"^/api/v1/usage/invoices/\{period\}$"), "a month, not an object: a tenant sees only its own invoice; see BillingTests.UsageAndInvoicesAreOnlyTheCallersOwn"),
    ];

    private sealed record Case(string Method, string Template, string Kind);

    [Fact]
    public async Task NoTenantCanSeeOrTouchAnotherTenantsObjects()
    {
        var operations = await ObjectOperationsAsync();
        var a = await SeedAsync(await app.CreateTenantAsync());
        var b = await SeedAsync(await app.CreateTenantAsync());

        int cases = 0;
        var leaks = new List<string>();
        foreach (var (attacker, victim) in new[] { (b, a), (a, b) })
        {
            using var client = app.CreateApiClient(attacker.Tenant.ApiKey);
            foreach (var (method, template) in operations)
            {
                if (template.StartsWith("/admin/", StringComparison.Ordinal))
                {
                    string adminPath = Regex.Replace(template, @"\{[^}]+\}", m => m.Value == "{tenantId}" ? victim.Tenant.Id.ToString() : victim.KeyId);
                    using var request = new HttpRequestMessage(new HttpMethod(method), adminPath);
                    using var response = await client.SendAsync(request);
                    if (response.StatusCode != HttpStatusCode.Unauthorized)
                    {
                        leaks.Add($"{method} {adminPath} with a tenant key answered {(int)response.StatusCode}, expected 401");
                    }
                    cases++;
                    continue;
                }
                if (NotTenantAuthorised.Any(n => n.Path.IsMatch(template)))
                {
                    continue;
                }
                var kind = ObjectKinds.First(k => k.Path.IsMatch(template)).Kind;
                string objectId = victim.Objects[kind];
                string path = Regex.Replace(template, @"\{[^}]+\}", objectId);
                await ExpectNotFoundAsync(client, method, path, leaks);
                await ExpectAuditedAsync(victim, kind, objectId, leaks, $"{method} {template}");
                cases++;
            }
        }

        // The victims' objects are untouched: the keys still work, the tasks are still there.
        foreach (var seeded in new[] { a, b })
        {
            using var owner = app.CreateApiClient(seeded.Tenant.ApiKey);
            var key = await owner.GetFromJsonAsync<JsonElement>($"/api/v1/keys/{seeded.KeyId}");
            Assert.True(key.GetProperty("revoked_at").ValueKind == JsonValueKind.Null, "a victim's key was revoked by another tenant");
            var webhook = await owner.GetFromJsonAsync<JsonElement>($"/api/v1/webhooks/{seeded.Objects["webhook"]}");
            Assert.Equal("http://127.0.0.1:9/victim", webhook.GetProperty("url").GetString());
            var task = await owner.GetFromJsonAsync<JsonElement>($"/api/v1/task/{seeded.Objects["task"]}");
            Assert.False(task.GetProperty("cancel_requested").GetBoolean(), "a victim's task was canceled by another tenant");
            var voice = await owner.GetFromJsonAsync<JsonElement>($"/api/v1/voices/{seeded.Objects["voice"]}");
            Assert.Equal("victim voice", voice.GetProperty("name").GetString());
            var rule = await owner.GetFromJsonAsync<JsonElement>($"/api/v1/lexicons/{seeded.Objects["lexicon"]}");
            Assert.Equal("the victim's word", rule.GetProperty("replacement").GetString());
            var team = await owner.GetFromJsonAsync<JsonElement>("/api/v1/team");
            Assert.Contains(team.GetProperty("members").EnumerateArray(), m => m.GetProperty("id").GetString() == seeded.Objects["user"] && m.GetProperty("role").GetString() == "member");
            Assert.Contains(team.GetProperty("invites").EnumerateArray(), i => i.GetProperty("id").GetString() == seeded.Objects["invite"]);
        }

        output.WriteLine($"cross-tenant matrix: {operations.Count} object operations, {cases} endpoint×tenant cases, {leaks.Count} leaks");
        Assert.True(leaks.Count == 0, string.Join("\n", leaks));
        Assert.True(cases >= 8, $"only {cases} cases ran");
    }

    [Fact]
    public async Task EveryObjectEndpointHasACase()
    {
        var unknown = (await ObjectOperationsAsync())
            .Where(o => !ObjectKinds.Any(k => k.Path.IsMatch(o.Template)) && !NotTenantAuthorised.Any(n => n.Path.IsMatch(o.Template)))
            .Select(o => $"{o.Method} {o.Template}")
            .ToList();

        Assert.True(unknown.Count == 0, "endpoints without a cross-tenant case (add them to ObjectKinds): " + string.Join(", ", unknown));
    }

    /// <summary>Every (method, path) in the API's OpenAPI document whose path has a parameter.</summary>
    private async Task<List<(string Method, string Template)>> ObjectOperationsAsync()
    {
        using var client = app.CreateApiClient();
        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var operations = new List<(string, string)>();
        foreach (var path in document.GetProperty("paths").EnumerateObject().Where(p => p.Name.Contains('{', StringComparison.Ordinal)))
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name is "get" or "post" or "put" or "patch" or "delete"))
            {
                operations.Add((operation.Name.ToUpperInvariant(), path.Name));
            }
        }
        Assert.NotEmpty(operations);
        return operations;
    }

    private sealed record Seeded(TestTenant Tenant, Dictionary<string, string> Objects)
    {
        public string KeyId => Objects["key"];
    }

    private async Task<Seeded> SeedAsync(TestTenant tenant)
    {
        using var client = app.CreateApiClient(tenant.ApiKey);
        using var submitted = await client.PostAsJsonAsync("/api/v1/voice/generate", new { text = "Cross-tenant probe." });
        submitted.EnsureSuccessStatusCode();
        var task = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetString()!;
        using var key = await client.PostAsJsonAsync("/api/v1/keys", new { name = "victim key" });
        key.EnsureSuccessStatusCode();
        var keyId = (await key.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("info").GetProperty("id").GetString()!;
        using var webhook = await client.PostAsJsonAsync("/api/v1/webhooks", new { url = "http://127.0.0.1:9/victim" });
        webhook.EnsureSuccessStatusCode();
        var webhookId = (await webhook.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("webhook").GetProperty("id").GetString()!;
        using var voice = await client.PostAsJsonAsync("/api/v1/voices", new { name = "victim voice", description = "a calm low voice" });
        voice.EnsureSuccessStatusCode();
        var voiceId = (await voice.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        using var design = await client.PostAsJsonAsync("/api/v1/voices/designs", new { description = "a bright young woman", candidates = 1 });
        design.EnsureSuccessStatusCode();
        var designId = (await design.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        using var lexicon = await client.PostAsJsonAsync("/api/v1/lexicons", new { term = "victim", replacement = "the victim's word" });
        lexicon.EnsureSuccessStatusCode();
        var lexiconId = (await lexicon.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        using var invite = await client.PostAsJsonAsync("/api/v1/team/invites", new { email = "victim.invitee@example.test" });
        invite.EnsureSuccessStatusCode();
        var inviteId = (await invite.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("invite").GetProperty("id").GetString()!;
        using var member = await client.PostAsJsonAsync("/api/v1/team/invites", new { email = "victim.member@example.test" });
        string memberToken = (await member.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        using (var accepted = await app.CreateApiClient().PostAsJsonAsync("/api/v1/auth/accept-invite", new { token = memberToken, password = "a long enough password" }))
        {
            accepted.EnsureSuccessStatusCode();
        }
        var team = await client.GetFromJsonAsync<JsonElement>("/api/v1/team");
        var userId = team.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("email").GetString() == "victim.member@example.test").GetProperty("id").GetString()!;
        return new Seeded(tenant, new()
        {
            ["task"] = task, ["key"] = keyId, ["webhook"] = webhookId, ["voice"] = voiceId, ["voice_design"] = designId, ["lexicon"] = lexiconId, ["user"] = userId, ["invite"] = inviteId,
        });
    }

    private static async Task ExpectNotFoundAsync(HttpClient client, string method, string path, List<string> leaks)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "POST" or "PUT" or "PATCH")
        {
            request.Content = JsonContent.Create(new { });
        }
        using var response = await client.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.NotFound || !body.Contains("\"https://voice.dev/problems/not-found\"", StringComparison.Ordinal))
        {
            leaks.Add($"{method} {path} answered {(int)response.StatusCode}: {body}");
        }
    }

    private async Task ExpectAuditedAsync(Seeded victim, string kind, string objectId, List<string> leaks, string operation)
    {
        using var owner = app.CreateApiClient(victim.Tenant.ApiKey);
        var audit = await owner.GetFromJsonAsync<JsonElement>("/api/v1/audit?limit=200");
        bool recorded = audit.GetProperty("data").EnumerateArray().Any(e =>
            e.GetProperty("action").GetString() == "access.cross_tenant"
            && e.GetProperty("target").GetString() == $"{kind}:{objectId}"
            && e.GetProperty("details").GetProperty("direction").GetString() == "incoming");
        if (!recorded)
        {
            leaks.Add($"{operation}: the attempt on {kind}:{objectId} is not in the owner's audit log");
        }
    }
}
