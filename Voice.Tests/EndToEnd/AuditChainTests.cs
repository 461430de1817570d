using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Voice.Core.Audit;
using Voice.Tests.Infrastructure;
using Voice.Tests.Worker;

namespace Voice.Tests.EndToEnd;

/// <summary>The audit log's hash chain: intact as written, and a changed or removed event found by the check.</summary>
[Collection(AppCollection.Name)]
public sealed class AuditChainTests(VoiceAppFixture app)
{
    [Fact]
    public async Task TheChainHoldsAsWrittenAndShowsAChangedOrRemovedEvent()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        await using (var worker = await WorkerHarness.StartAsync(app, new GatedFakeEngine()))
        {
            // Workers write no audit events (they register no AuditLog); the test writes through the same database access.
            var audit = new AuditLog(worker.Services.GetRequiredService<Voice.Core.Database.TenantDatabase>());
            // Concurrent writers (two processes' worth) still make one unbroken chain.
            await Task.WhenAll(Enumerable.Range(0, 12).Select(i => audit.RecordAsync(tenant.Id, "system", "test.event", $"thing:{i}", new { i }, CancellationToken.None)));
        }
        using (var created = await api.PostAsJsonAsync("/api/v1/keys", new { name = "second" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode); // an event written by the API itself
        }

        var intact = await api.GetFromJsonAsync<JsonElement>("/api/v1/audit/verify");
        Assert.True(intact.GetProperty("intact").GetBoolean(), intact.ToString());
        long events = intact.GetProperty("events").GetInt64();
        Assert.True(events >= 14, intact.ToString());
        var log = (await api.GetFromJsonAsync<JsonElement>("/api/v1/audit")).GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(1, (int)events).Reverse().Select(i => (long)i), log.Select(e => e.GetProperty("seq").GetInt64()));
        Assert.All(log, e => Assert.Equal(64, e.GetProperty("hash").GetString()!.Length));

        // Someone with database access edits one event and deletes another.
        await using var db = NpgsqlDataSource.Create(await app.ConnectionStringAsync("voicedb"));
        await Execute(db, "update audit_events set details = '{\"i\": 999}' where tenant_id = $1 and seq = 5", tenant.Id);
        await Execute(db, "delete from audit_events where tenant_id = $1 and seq = 9", tenant.Id);

        var broken = await api.GetFromJsonAsync<JsonElement>("/api/v1/audit/verify");
        Assert.False(broken.GetProperty("intact").GetBoolean());
        var breaks = broken.GetProperty("breaks").EnumerateArray().Select(b => (b.GetProperty("seq").GetInt64(), b.GetProperty("problem").GetString())).ToList();
        Assert.Equal([(5L, "modified"), (10L, "missing before")], breaks);

        // The operator can check any tenant's chain, and the platform's own.
        using var admin = app.CreateAdminClient();
        var seen = await admin.GetFromJsonAsync<JsonElement>($"/admin/v1/audit/verify?tenant={tenant.Id}");
        Assert.Equal(2, seen.GetProperty("breaks").GetArrayLength());
        Assert.True((await admin.GetFromJsonAsync<JsonElement>("/admin/v1/audit/verify")).GetProperty("intact").GetBoolean());
    }

    [Fact]
    public async Task TheServicesCannotRewriteTheLog()
    {
        var tenant = await app.CreateTenantAsync();
        await using var appRole = NpgsqlDataSource.Create(await app.ConnectionStringAsync("voicedb-app"));
        await using var connection = await appRole.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var scope = new NpgsqlCommand("select set_config('app.tenant_id', $1, true)", connection, transaction))
        {
            scope.Parameters.Add(new() { Value = tenant.Id.ToString() });
            await scope.ExecuteNonQueryAsync();
        }
        await using var update = new NpgsqlCommand("update audit_events set actor = 'nobody'", connection, transaction);

        var denied = await Assert.ThrowsAsync<PostgresException>(() => update.ExecuteNonQueryAsync());
        Assert.Equal("42501", denied.SqlState); // insufficient_privilege
    }

    private static async Task Execute(NpgsqlDataSource db, string sql, Guid tenant)
    {
        await using var command = db.CreateCommand(sql);
        command.Parameters.Add(new() { Value = tenant });
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }
}
