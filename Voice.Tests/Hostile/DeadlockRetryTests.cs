using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Voice.Core.Database;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Hostile;

/// <summary>
/// Two batches that lock one tenant's rows in opposite orders (as a claim and a completion can at a month's turn,
/// on its two quota periods) deadlock; Postgres aborts one, and the batch is run again instead of failing its callers.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class DeadlockRetryTests(VoiceAppFixture app)
{
    [Fact]
    public async Task BatchesThatDeadlockBothComplete()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        Guid first = await SubmitAsync(api), second = await SubmitAsync(api);
        await using var source = NpgsqlDataSource.Create(await app.ConnectionStringAsync("voicedb-app"));
        var database = new TenantDatabase(source);

        var forward = database.BatchAsync([(tenant.Id, Touch(first)), (tenant.Id, Pause()), (tenant.Id, Touch(second))], _ => 0, CancellationToken.None);
        var backward = database.BatchAsync([(tenant.Id, Touch(second)), (tenant.Id, Pause()), (tenant.Id, Touch(first))], _ => 0, CancellationToken.None);

        await Task.WhenAll(forward, backward).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(forward.IsCompletedSuccessfully && backward.IsCompletedSuccessfully);
    }

    private static NpgsqlBatchCommand Touch(Guid job) => new("update jobs set speed = speed where id = $1") { Parameters = { new() { Value = job } } };

    private static NpgsqlBatchCommand Pause() => new("select pg_sleep(0.5)");

    private static async Task<Guid> SubmitAsync(HttpClient api)
    {
        using var response = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = "a row to lock" });
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetGuid();
    }
}
