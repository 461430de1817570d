using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Api;

/// <summary>Idempotent submits, cancelling, listing, queue position, live events and fairness, through the API and the real worker.</summary>
[Collection(AppCollection.Name)]
public sealed class TaskLifecycleTests(VoiceAppFixture app)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task SameIdempotencyKeyAndRequestReturnTheOriginalTask()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        string key = Guid.NewGuid().ToString();

        using var first = await SubmitAsync(api, new { text = "Exactly once, please." }, key);
        using var retry = await SubmitAsync(api, new { text = "Exactly once, please.", language = "en" }, key); // same request, spelled differently

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        var a = await first.Content.ReadFromJsonAsync<JsonElement>();
        var b = await retry.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(a.GetProperty("task_id").GetGuid(), b.GetProperty("task_id").GetGuid());
        Assert.Equal(a.GetProperty("status_url").GetString(), b.GetProperty("status_url").GetString());
        var list = await api.GetFromJsonAsync<JsonElement>("/api/v1/tasks");
        Assert.Single(list.GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task ConcurrentRetriesWithOneKeyCreateOneTask()
    {
        var tenant = await app.CreateTenantAsync();
        string key = Guid.NewGuid().ToString();

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            using var api = app.CreateApiClient(tenant.ApiKey);
            using var response = await SubmitAsync(api, new { text = "Racing retries." }, key);
            return (response.StatusCode, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetGuid());
        }));

        Assert.Single(answers.Select(a => a.Item2).Distinct());
        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Accepted);
        using var client = app.CreateApiClient(tenant.ApiKey);
        Assert.Single((await client.GetFromJsonAsync<JsonElement>("/api/v1/tasks")).GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task SameIdempotencyKeyWithAnotherRequestIsA409()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        string key = Guid.NewGuid().ToString();
        (await SubmitAsync(api, new { text = "First body." }, key)).Dispose();

        using var conflict = await SubmitAsync(api, new { text = "Another body." }, key);

        await GenerateValidationTests.AssertProblemAsync(conflict, HttpStatusCode.Conflict, "https://voice.dev/problems/idempotency-key-reused");
    }

    [Fact]
    public async Task IdempotencyKeysAreScopedToTheirTenant()
    {
        var a = await app.CreateTenantAsync();
        var b = await app.CreateTenantAsync();
        string key = Guid.NewGuid().ToString();
        using var apiA = app.CreateApiClient(a.ApiKey);
        using var apiB = app.CreateApiClient(b.ApiKey);

        using var first = await SubmitAsync(apiA, new { text = "Same key, two tenants." }, key);
        using var second = await SubmitAsync(apiB, new { text = "Same key, two tenants." }, key);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode); // not B's replay of A's task
    }

    [Fact]
    public async Task QueuedTaskCancelsAtOnceAndNeverRuns()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        var ids = await FloodAsync(api, 40);
        Guid last = ids[^1];
        var queued = await api.GetFromJsonAsync<JsonElement>($"/api/v1/task/{last}");
        Assert.Equal("queued", queued.GetProperty("status").GetString());
        Assert.True(queued.GetProperty("queue_position").GetInt64() > 0);

        using var cancel = await api.DeleteAsync($"/api/v1/task/{last}");

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("canceled", (await cancel.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        await TaskPolling.WaitForFinishAsync(api, ids[^2], Patience); // the lane drained past it
        var after = await api.GetFromJsonAsync<JsonElement>($"/api/v1/task/{last}");
        Assert.Equal("canceled", after.GetProperty("status").GetString());
        Assert.Equal(0, after.GetProperty("attempts").GetInt32());
        using var again = await api.DeleteAsync($"/api/v1/task/{last}");
        await GenerateValidationTests.AssertProblemAsync(again, HttpStatusCode.Conflict, "https://voice.dev/problems/task-finished");
    }

    [Fact]
    public async Task TaskListFiltersByStatusAndPages()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        var ids = await FloodAsync(api, 5);
        foreach (var id in ids)
        {
            await TaskPolling.WaitForFinishAsync(api, id, Patience);
        }

        var firstPage = await api.GetFromJsonAsync<JsonElement>("/api/v1/tasks?status=completed&limit=3");
        var page1 = firstPage.GetProperty("data").EnumerateArray().Select(t => t.GetProperty("task_id").GetGuid()).ToList();
        var next = firstPage.GetProperty("next_before").GetGuid();
        var page2 = (await api.GetFromJsonAsync<JsonElement>($"/api/v1/tasks?status=completed&limit=3&before={next}"))
            .GetProperty("data").EnumerateArray().Select(t => t.GetProperty("task_id").GetGuid()).ToList();

        Assert.Equal(ids.AsEnumerable().Reverse(), page1.Concat(page2)); // newest first, no gaps or repeats
        Assert.Empty((await api.GetFromJsonAsync<JsonElement>("/api/v1/tasks?status=failed")).GetProperty("data").EnumerateArray());
        using var bad = await api.GetAsync("/api/v1/tasks?status=done");
        await GenerateValidationTests.AssertProblemAsync(bad, HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");
    }

    [Fact]
    public async Task EventStreamShowsEachStateInOrderAndEndsWhenTheTaskFinishes()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        var ids = await FloodAsync(api, 30);
        using var cts = new CancellationTokenSource(Patience);

        using var stream = await api.GetAsync($"/api/v1/task/{ids[^1]}/events", HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal("text/event-stream", stream.Content.Headers.ContentType?.MediaType);
        var types = new List<string>();
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync(cts.Token));
        while (await reader.ReadLineAsync(cts.Token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                types.Add(line["event: ".Length..]);
            }
        }

        Assert.Equal("task.queued", types[0]);
        Assert.Equal("task.completed", types[^1]);
        Assert.Contains("task.running", types);
        Assert.True(types.IndexOf("task.running") < types.IndexOf("task.completed"));
        Assert.Single(types, "task.completed");
    }

    [Fact]
    public async Task EventStreamOfAFinishedTaskSendsItsFinalStateOnly()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        var id = (await FloodAsync(api, 1))[0];
        await TaskPolling.WaitForFinishAsync(api, id, Patience);

        string body = await api.GetStringAsync($"/api/v1/task/{id}/events");

        Assert.StartsWith("event: task.completed\ndata: {", body);
        Assert.Contains($"\"task_id\":\"{id}\"", body);
    }

    [Fact]
    public async Task OneTenantsBurstDoesNotDelayAnotherTenantsJob()
    {
        var flooder = await app.CreateTenantAsync();
        var other = await app.CreateTenantAsync();
        using var floodApi = app.CreateApiClient(flooder.ApiKey);
        using var otherApi = app.CreateApiClient(other.ApiKey);
        var burst = await FloodAsync(floodApi, 300);

        var single = (await FloodAsync(otherApi, 1))[0];
        var done = await TaskPolling.WaitForFinishAsync(otherApi, single, Patience);
        var submitted = done.GetProperty("created_at").GetDateTimeOffset();
        var started = done.GetProperty("started_at").GetDateTimeOffset();

        // Jobs of the flooder that started while the single job waited: at most the worker's slots
        // (already running or being claimed) plus one round-robin turn.
        var tasks = await floodApi.GetFromJsonAsync<JsonElement>("/api/v1/tasks?limit=200&status=completed");
        int overtook = 0;
        foreach (var task in tasks.GetProperty("data").EnumerateArray())
        {
            var at = task.GetProperty("started_at").GetDateTimeOffset();
            if (at > submitted && at < started)
            {
                overtook++;
            }
        }
        var pending = (await floodApi.GetFromJsonAsync<JsonElement>("/api/v1/tasks?status=queued&limit=1")).GetProperty("data").GetArrayLength();
        Assert.True(pending > 0 || overtook < 300, "the burst had finished before the single job was submitted: nothing measured");
        Assert.True(overtook <= 3, $"{overtook} of the flooder's jobs started while the other tenant's single job waited");
        foreach (var id in burst)
        {
            await floodApi.DeleteAsync($"/api/v1/task/{id}"); // leave the queue clean for the next test
        }
    }

    internal static async Task<List<Guid>> FloodAsync(HttpClient api, int count)
    {
        var ids = new List<Guid>(count);
        for (int i = 0; i < count; i++)
        {
            using var response = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = $"Job number {i} of {count}, please." });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            ids.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetGuid());
        }
        return ids;
    }

    private static Task<HttpResponseMessage> SubmitAsync(HttpClient api, object body, string idempotencyKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/voice/generate") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        return api.SendAsync(request);
    }
}
