using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Api;

/// <summary>Voice design with candidates through the real platform: API → Postgres → preview jobs (which prepare each candidate) → worker (espeak).</summary>
[Collection(AppCollection.Name)]
public sealed class VoiceDesignsApiTests(VoiceAppFixture app)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ADesignOffersCandidatesToHearAndKeepsTheOneChosen()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);

        using var created = await api.PostAsJsonAsync("/api/v1/voices/designs",
            new { description = "a calm male narrator", name = "Narrator", candidates = 3, sample_text = "The quick brown fox jumps over the lazy dog." });

        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var design = await created.Content.ReadFromJsonAsync<JsonElement>();
        Guid designId = design.GetProperty("id").GetGuid();
        Assert.Equal($"/api/v1/voices/designs/{designId}", created.Headers.Location?.OriginalString);
        Assert.Equal("voice_design", design.GetProperty("object").GetString());
        Assert.InRange(design.GetProperty("expires_at").GetDateTimeOffset() - DateTimeOffset.UtcNow, TimeSpan.FromHours(23), TimeSpan.FromHours(24));
        var candidates = design.GetProperty("candidates").EnumerateArray().ToList();
        Assert.Equal([1, 2, 3], candidates.Select(c => c.GetProperty("index").GetInt32()));
        Assert.Empty(design.GetProperty("warnings").EnumerateArray());

        // Every candidate's preview completes and is audio of the sample; the candidates are different voices.
        var parameters = new List<string>();
        foreach (var candidate in candidates)
        {
            var preview = await TaskPolling.WaitForFinishAsync(api, candidate.GetProperty("preview_task_id").GetGuid(), Timeout);
            Assert.Equal("completed", preview.GetProperty("status").GetString());
            var probe = await AudioTools.ProbeAsync(await api.GetByteArrayAsync(candidate.GetProperty("preview_url").GetString()));
            Assert.InRange(probe.Duration, 1.0, 10);
            var voice = await api.GetFromJsonAsync<JsonElement>($"/api/v1/voices/{candidate.GetProperty("voice_id").GetGuid()}");
            Assert.Equal("ready", voice.GetProperty("status").GetString());
            parameters.Add(voice.GetProperty("analysis").GetProperty("parameters").GetRawText());
        }
        Assert.Equal(3, parameters.Distinct().Count());
        var listed = await api.GetFromJsonAsync<JsonElement>("/api/v1/voices");
        Assert.Empty(listed.GetProperty("voices").EnumerateArray()); // candidates are not voices yet

        var chosen = candidates[1].GetProperty("voice_id").GetGuid();
        using var kept = await api.PostAsJsonAsync($"/api/v1/voices/designs/{designId}/keep", new { voice_id = chosen, name = "The one" });

        Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
        var voiceView = await kept.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("The one", voiceView.GetProperty("name").GetString());
        Assert.Equal(parameters[1], voiceView.GetProperty("analysis").GetProperty("parameters").GetRawText()); // the voice heard is the voice kept
        listed = await api.GetFromJsonAsync<JsonElement>("/api/v1/voices");
        Assert.Equal([chosen], listed.GetProperty("voices").EnumerateArray().Select(v => v.GetProperty("id").GetGuid()));
        foreach (var other in new[] { candidates[0], candidates[2] })
        {
            using var gone = await api.GetAsync($"/api/v1/voices/{other.GetProperty("voice_id").GetGuid()}");
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }
        using (var designGone = await api.GetAsync($"/api/v1/voices/designs/{designId}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, designGone.StatusCode);
        }
        // The kept voice speaks like any other.
        using var speech = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = "I was chosen.", voice = chosen });
        var status = await TaskPolling.WaitForFinishAsync(api, (await speech.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetGuid(), Timeout);
        Assert.Equal("completed", status.GetProperty("status").GetString());
        var audit = await api.GetFromJsonAsync<JsonElement>("/api/v1/audit?limit=50");
        var actions = audit.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Contains("voice.designed", actions);
        Assert.Single(actions, a => a == "voice.created");
    }

    [Fact]
    public async Task AMalformedDesignIsRefusedWithItsFields()
    {
        using var api = app.CreateApiClient((await app.CreateTenantAsync()).ApiKey);

        await Problem(await api.PostAsJsonAsync("/api/v1/voices/designs", new { description = "calm", candidates = 5 }), HttpStatusCode.BadRequest, "validation", "candidates");
        await Problem(await api.PostAsJsonAsync("/api/v1/voices/designs", new { candidates = 2 }), HttpStatusCode.BadRequest, "validation", "description");
        await Problem(await api.PostAsJsonAsync("/api/v1/voices/designs", new { description = "calm", sample_text = new string('a', 301) }),
            HttpStatusCode.BadRequest, "validation", "sample_text");
        await Problem(await api.PostAsJsonAsync("/api/v1/voices/designs", new { description = "calm", language = "xx" }), HttpStatusCode.BadRequest, "validation", "language");
        await Problem(await api.PostAsJsonAsync("/api/v1/voices/designs", new { description = "calm", colour = "red" }), HttpStatusCode.BadRequest, "invalid-json");
        var listed = await api.GetFromJsonAsync<JsonElement>("/api/v1/voices");
        Assert.Empty(listed.GetProperty("voices").EnumerateArray());
    }

    [Fact]
    public async Task OpenCandidatesAreBoundedPerTenantAndDiscardingFreesThem()
    {
        // No previews are queued (the quota is spent at once), so this costs the worker nothing.
        string plan = await app.CreatePlanAsync(new { monthly_characters = 1 });
        using var api = app.CreateApiClient((await app.CreateTenantAsync(plan)).ApiKey);
        var designs = new List<Guid>();
        for (int i = 0; i < 3; i++)
        {
            using var created = await api.PostAsJsonAsync("/api/v1/voices/designs", new { description = $"design {i}: a deep voice", candidates = 4 });
            Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
            designs.Add((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
        }

        var problem = await Problem(await api.PostAsJsonAsync("/api/v1/voices/designs", new { description = "one more", candidates = 1 }),
            HttpStatusCode.Conflict, "voices/too-many-candidates");
        Assert.Equal(12, problem.GetProperty("limit").GetInt32());

        using (var discarded = await api.DeleteAsync($"/api/v1/voices/designs/{designs[0]}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, discarded.StatusCode);
        }
        using var again = await api.PostAsJsonAsync("/api/v1/voices/designs", new { description = "one more", candidates = 1 });
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
    }

    [Fact]
    public async Task ACandidateIsKeptOnlyOncePrepared()
    {
        // The quota refuses the previews, so the candidates stay unprepared.
        string plan = await app.CreatePlanAsync(new { monthly_characters = 1 });
        using var api = app.CreateApiClient((await app.CreateTenantAsync(plan)).ApiKey);
        using var created = await api.PostAsJsonAsync("/api/v1/voices/designs", new { description = "a bright young woman", candidates = 2 });
        var design = await created.Content.ReadFromJsonAsync<JsonElement>();
        Guid designId = design.GetProperty("id").GetGuid();
        var candidate = design.GetProperty("candidates")[0];
        Assert.Equal(JsonValueKind.Null, candidate.GetProperty("preview_task_id").ValueKind);
        Assert.Equal(2, design.GetProperty("warnings").GetArrayLength());
        Guid voiceId = candidate.GetProperty("voice_id").GetGuid();

        await Problem(await api.PostAsJsonAsync($"/api/v1/voices/designs/{designId}/keep", new { voice_id = voiceId }),
            HttpStatusCode.Conflict, "voices/candidate-not-ready");
        await Problem(await api.PostAsJsonAsync($"/api/v1/voices/designs/{designId}/keep", new { }), HttpStatusCode.BadRequest, "validation", "voice_id");
        await Problem(await api.PostAsJsonAsync($"/api/v1/voices/designs/{designId}/keep", new { voice_id = Guid.NewGuid() }), HttpStatusCode.NotFound, "not-found");
        await Problem(await api.PostAsJsonAsync($"/api/v1/voices/designs/{Guid.NewGuid()}/keep", new { voice_id = voiceId }), HttpStatusCode.NotFound, "not-found");
        Assert.Equal(2, (await api.GetFromJsonAsync<JsonElement>($"/api/v1/voices/designs/{designId}")).GetProperty("candidates").GetArrayLength());
    }

    [Fact]
    public async Task KeepingACandidateRespectsThePlansVoiceLimit()
    {
        string plan = await app.CreatePlanAsync(new { max_voices = 1 });
        using var api = app.CreateApiClient((await app.CreateTenantAsync(plan)).ApiKey);
        using var preset = await api.PostAsJsonAsync("/api/v1/voices", new { preset = "alloy" });
        Assert.Equal(HttpStatusCode.Accepted, preset.StatusCode);
        using var created = await api.PostAsJsonAsync("/api/v1/voices/designs", new { description = "a whispering old man", candidates = 1 });
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode); // candidates are not voices: the limit is checked at keeping
        var design = await created.Content.ReadFromJsonAsync<JsonElement>();
        var candidate = design.GetProperty("candidates")[0];
        var previewed = await TaskPolling.WaitForFinishAsync(api, candidate.GetProperty("preview_task_id").GetGuid(), Timeout);
        Assert.Equal("completed", previewed.GetProperty("status").GetString());
        string keep = $"/api/v1/voices/designs/{design.GetProperty("id").GetGuid()}/keep";
        var body = new { voice_id = candidate.GetProperty("voice_id").GetGuid() };

        var limit = await Problem(await api.PostAsJsonAsync(keep, body), HttpStatusCode.Forbidden, "voices/limit-reached");
        Assert.Equal(1, limit.GetProperty("limit").GetInt32());

        using (var deleted = await api.DeleteAsync($"/api/v1/voices/{(await preset.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid()}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }
        using var kept = await api.PostAsJsonAsync(keep, body);
        Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
    }

    private static async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode status, string type, string? field = null)
    {
        using (response)
        {
            var problem = await GenerateValidationTests.AssertProblemAsync(response, status, "https://voice.dev/problems/" + type);
            if (field is not null)
            {
                Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error for '{field}': {problem}");
            }
            return problem.Clone();
        }
    }
}
