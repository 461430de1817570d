using System.Net.Http.Json;
using System.Text.Json;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Api;

/// <summary>The task list says what each task spoke (the start of its text) and how long its audio is, for its own tenant only.</summary>
[Collection(AppCollection.Name)]
public sealed class TaskListPreviewTests(VoiceAppFixture app)
{
    [Fact]
    public async Task TaskListShowsABoundedTextPreviewAndTheDurationOnlyToItsTenant()
    {
        var owner = await app.CreateTenantAsync();
        var other = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(owner.ApiKey);
        using var otherApi = app.CreateApiClient(other.ApiKey);
        string text = "A long sentence for the preview. " + string.Concat(Enumerable.Repeat("Words keep coming here. ", 8));
        using var submitted = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text });
        var taskId = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetGuid();
        await TaskPolling.WaitForFinishAsync(api, taskId, TimeSpan.FromSeconds(90));

        var task = (await api.GetFromJsonAsync<JsonElement>("/api/v1/tasks")).GetProperty("data").EnumerateArray().Single();

        string preview = task.GetProperty("text_preview").GetString()!;
        Assert.True(preview.Length <= 81, preview);
        Assert.StartsWith("A long sentence for the preview.", preview, StringComparison.Ordinal);
        Assert.EndsWith("…", preview, StringComparison.Ordinal);
        Assert.True(task.GetProperty("duration_seconds").GetDouble() > 0.5);
        var others = (await otherApi.GetFromJsonAsync<JsonElement>("/api/v1/tasks")).GetProperty("data");
        Assert.Empty(others.EnumerateArray());
    }
}
