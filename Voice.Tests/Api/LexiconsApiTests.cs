using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Api;

/// <summary>Pronunciation dictionaries: managed per tenant, applied by the worker to that tenant's jobs only.</summary>
[Collection(AppCollection.Name)]
public sealed class LexiconsApiTests(VoiceAppFixture app)
{
    private const string Replacement = "the Voice platform for speech synthesis, spoken out in full every single time";

    [Fact]
    public async Task ARuleChangesWhatTheOwnersJobsSayAndNobodyElses()
    {
        var owner = await app.CreateTenantAsync();
        var other = await app.CreateTenantAsync();
        using var ownerApi = app.CreateApiClient(owner.ApiKey);
        using var otherApi = app.CreateApiClient(other.ApiKey);
        using (var created = await ownerApi.PostAsJsonAsync("/api/v1/lexicons", new { term = "VSP", replacement = Replacement }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        double withRule = await SpeakAsync(ownerApi, "We use VSP.");
        double withoutRule = await SpeakAsync(otherApi, "We use VSP.");
        double ruleInGerman = await SpeakAsync(ownerApi, "We use VSP.", language: "de"); // a rule for all languages applies in German too

        Assert.True(withRule > withoutRule * 3, $"the rule should make the owner's audio much longer: {withRule:F2} s against {withoutRule:F2} s");
        Assert.True(ruleInGerman > withoutRule * 3, $"{ruleInGerman:F2} s");
        // Billing counts the text that was sent, not the replacement.
        var records = (await ownerApi.GetFromJsonAsync<JsonElement>("/api/v1/usage/records")).GetProperty("data").EnumerateArray().ToList();
        Assert.All(records, r => Assert.Equal("We use VSP.".Length, r.GetProperty("characters").GetInt32()));
    }

    [Fact]
    public async Task RulesAreListedFetchedDeletedAndValidated()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);

        using var created = await api.PostAsJsonAsync("/api/v1/lexicons", new { term = "  Nginx ", replacement = "engine x", language = "en", case_sensitive = true });
        var rule = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Nginx", rule.GetProperty("term").GetString());
        Assert.True(rule.GetProperty("case_sensitive").GetBoolean());
        string id = rule.GetProperty("id").GetString()!;
        Assert.Equal("engine x", (await api.GetFromJsonAsync<JsonElement>($"/api/v1/lexicons/{id}")).GetProperty("replacement").GetString());
        Assert.Single((await api.GetFromJsonAsync<JsonElement>("/api/v1/lexicons")).GetProperty("data").EnumerateArray());

        using var duplicate = await api.PostAsJsonAsync("/api/v1/lexicons", new { term = "Nginx", replacement = "en jinx", language = "en", case_sensitive = true });
        await GenerateValidationTests.AssertProblemAsync(duplicate, HttpStatusCode.Conflict, "https://voice.dev/problems/conflict");
        using var otherScope = await api.PostAsJsonAsync("/api/v1/lexicons", new { term = "Nginx", replacement = "engine x" }); // all languages: another rule
        Assert.Equal(HttpStatusCode.Created, otherScope.StatusCode);
        foreach (var (body, field) in new (object, string)[]
        {
            (new { term = "", replacement = "x" }, "term"),
            (new { term = "x", replacement = "" }, "replacement"),
            (new { term = new string('a', 101), replacement = "x" }, "term"),
            (new { term = "x", replacement = "y", language = "tlh" }, "language"),
        })
        {
            using var refused = await api.PostAsJsonAsync("/api/v1/lexicons", body);
            var problem = await GenerateValidationTests.AssertProblemAsync(refused, HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        }

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/v1/lexicons/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/v1/lexicons/{id}")).StatusCode);
        Assert.Single((await api.GetFromJsonAsync<JsonElement>("/api/v1/lexicons")).GetProperty("data").EnumerateArray());
    }

    private static async Task<double> SpeakAsync(HttpClient api, string text, string language = "en")
    {
        using var response = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text, language });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetGuid();
        var done = await TaskPolling.WaitForFinishAsync(api, id, TimeSpan.FromSeconds(60));
        Assert.Equal("completed", done.GetProperty("status").GetString());
        return done.GetProperty("result").GetProperty("duration_seconds").GetDouble();
    }
}
