using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Billing;

/// <summary>
/// Admission reads each tenant's running totals of open jobs (<c>open_jobs</c>, kept by triggers on
/// <c>jobs</c>) instead of counting its backlog. These tests walk a job through every way one opens or closes,
/// in one transaction that is rolled back (so neither the worker nor the reconciler can interleave), and after
/// each step compare the totals with the jobs themselves.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class OpenJobTotalsTests(VoiceAppFixture app)
{
    private static readonly DateOnly Period = new(2026, 12, 1);

    [Fact]
    public async Task TotalsFollowEveryWayAJobOpensOrCloses()
    {
        var tenant = await app.CreateTenantAsync();
        await using var owner = NpgsqlDataSource.Create(await app.ConnectionStringAsync("voicedb"));
        await using var connection = await owner.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();

        var ids = Enumerable.Range(0, 4).Select(_ => Guid.CreateVersion7()).ToArray();
        // Three jobs under limits (100, 200, 300 characters against December), one admitted without any (no period).
        var refusals = await AdmitAsync(connection, tenant.Id, ids[..3], [100, 200, 300], Period, maxOpen: 10);
        Assert.All(refusals, r => Assert.Null(r));
        Assert.Null(Assert.Single(await AdmitAsync(connection, tenant.Id, ids[3..], [50], period: null, maxOpen: null)));
        Assert.Equal((4, 600L), await TotalsAsync(connection, tenant.Id, Period));
        await AssertTotalsMatchJobsAsync(connection, tenant.Id);

        // What an open job holds changes (no path does this today; the totals must still follow).
        await ExecuteAsync(connection, "update jobs set reserved_chars = 150 where id = $1", ids[1]);
        Assert.Equal((4, 550L), await TotalsAsync(connection, tenant.Id, Period));

        await SetStatusAsync(connection, ids[0], "running");                 // a claim: still open
        Assert.Equal((4, 550L), await TotalsAsync(connection, tenant.Id, Period));
        await SetStatusAsync(connection, ids[0], "queued");                  // a released attempt: still open
        await SetStatusAsync(connection, ids[0], "running");
        await SetStatusAsync(connection, ids[0], "completed");               // completion closes it
        Assert.Equal((3, 450L), await TotalsAsync(connection, tenant.Id, Period));
        await AssertTotalsMatchJobsAsync(connection, tenant.Id);

        await SetStatusAsync(connection, ids[1], "canceled");                // canceled while queued
        await SetStatusAsync(connection, ids[2], "failed");                  // dead-lettered
        Assert.Equal((1, 0L), await TotalsAsync(connection, tenant.Id, Period));
        await SetStatusAsync(connection, ids[2], "queued");                  // an operator's requeue opens it again
        Assert.Equal((2, 300L), await TotalsAsync(connection, tenant.Id, Period));
        await AssertTotalsMatchJobsAsync(connection, tenant.Id);

        await ExecuteAsync(connection, "delete from jobs where id = $1", ids[2]);   // withdrawn (the enqueue failed)
        Assert.Equal((1, 0L), await TotalsAsync(connection, tenant.Id, Period));
        await AssertTotalsMatchJobsAsync(connection, tenant.Id);

        // At the limit, admission refuses on the totals alone: one open job, a limit of one.
        Assert.Equal("concurrency", Assert.Single(await AdmitAsync(connection, tenant.Id, [Guid.CreateVersion7()], [10], Period, maxOpen: 1)));

        // A tenant's deletion takes its totals with it, open jobs and all.
        await ExecuteAsync(connection, "delete from tenants where id = $1", tenant.Id);
        Assert.Equal(0L, await ScalarAsync<long>(connection, "select count(*) from open_jobs where tenant_id = $1", tenant.Id));
        await transaction.RollbackAsync();
    }

    [Fact]
    public async Task TotalsAgreeWithTheLedgerForEveryTenantAfterRealTraffic()
    {
        // Real traffic through the API and the worker: jobs that complete, one canceled; then every tenant's
        // totals (this one's and whatever the rest of the suite has left) against the committed ledger.
        var tenant = await app.CreateTenantAsync();
        using var client = app.CreateApiClient(tenant.ApiKey);
        var tasks = new List<Guid>();
        for (int i = 0; i < 4; i++)
        {
            using var submitted = await client.PostAsJsonAsync("/api/v1/voice/generate", new { text = $"Open job totals, job {i}." });
            submitted.EnsureSuccessStatusCode();
            tasks.Add((await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetGuid());
        }
        using (await client.DeleteAsync($"/api/v1/task/{tasks[^1]}"))
        {
        }
        foreach (var task in tasks)
        {
            await TaskPolling.WaitForFinishAsync(client, task, TimeSpan.FromMinutes(2));
        }

        await using var owner = NpgsqlDataSource.Create(await app.ConnectionStringAsync("voicedb"));
        await using var connection = await owner.OpenConnectionAsync();
        Assert.Equal((0, 0L), await TotalsAsync(connection, tenant.Id, new DateOnly(DateTime.UtcNow.Year, DateTime.UtcNow.Month, 1)));
        // One statement, one snapshot: the worker may be finishing other tenants' jobs meanwhile.
        Assert.Equal("", await DifferencesAsync(connection, null));
    }

    private static async Task<string?[]> AdmitAsync(NpgsqlConnection connection, Guid tenantId, Guid[] ids, int[] chars, DateOnly? period, int? maxOpen)
    {
        await using var command = new NpgsqlCommand("""
            select refusal from admit_jobs($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
                $15, $16, $17, $18, $19, $20, $21, $22, null, null)
            """, connection);
        int n = ids.Length;
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = ids });
        command.Parameters.Add(new() { Value = chars.Select(c => new string('a', c)).ToArray() });
        command.Parameters.Add(new() { Value = Enumerable.Repeat("en", n).ToArray() });
        command.Parameters.Add(new() { Value = Enumerable.Repeat("alloy", n).ToArray() });
        command.Parameters.Add(new() { Value = Enumerable.Repeat("mp3", n).ToArray() });
        command.Parameters.Add(new() { Value = new string?[n], NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = Enumerable.Repeat("speech", n).ToArray() });
        command.Parameters.Add(new() { Value = Enumerable.Repeat(1f, n).ToArray() });
        command.Parameters.Add(new() { Value = chars });
        command.Parameters.Add(new() { Value = chars.Select(c => c * 60L).ToArray() });
        command.Parameters.Add(new() { Value = new bool[n] });
        command.Parameters.Add(new() { Value = new bool[n] });
        command.Parameters.Add(new() { Value = Enumerable.Repeat("espeak", n).ToArray() });
        // No audio controls: the platform's rate, no seed, the engine's streaming, no neighbouring text.
        command.Parameters.Add(new() { Value = new int?[n], NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Integer });
        command.Parameters.Add(new() { Value = new int?[n], NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Integer });
        command.Parameters.Add(new() { Value = new short?[n], NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Smallint });
        command.Parameters.Add(new() { Value = new string?[n], NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = new string?[n], NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = new string?[n], NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Jsonb }); // no dialogue
        command.Parameters.Add(new() { Value = (object?)period ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Date });
        command.Parameters.Add(new() { Value = (object?)maxOpen ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
        var refusals = new List<string?>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            refusals.Add(reader.IsDBNull(0) ? null : reader.GetString(0));
        }
        return [.. refusals];
    }

    /// <summary>All the tenant's open jobs (every period) and the characters reserved against <paramref name="period"/>.</summary>
    private static async Task<(int Jobs, long Chars)> TotalsAsync(NpgsqlConnection connection, Guid tenantId, DateOnly period)
    {
        await using var command = new NpgsqlCommand("""
            select coalesce(sum(jobs), 0)::int, coalesce(sum(reserved_chars) filter (where period = $2), 0)::bigint
            from open_jobs where tenant_id = $1
            """, connection);
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = period });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt32(0), reader.GetInt64(1));
    }

    private static async Task AssertTotalsMatchJobsAsync(NpgsqlConnection connection, Guid tenantId) =>
        Assert.Equal("", await DifferencesAsync(connection, tenantId));

    /// <summary>Every (tenant, period) whose totals differ from its open jobs, one line each; empty when they agree.</summary>
    private static async Task<string> DifferencesAsync(NpgsqlConnection connection, Guid? tenantId)
    {
        await using var command = new NpgsqlCommand("""
            with counted as (
                select tenant_id, coalesce(quota_period, '-infinity') as period,
                       count(*)::int as jobs, sum(reserved_chars)::bigint as chars, sum(reserved_audio_ms)::bigint as audio
                from jobs where status in ('queued', 'running') and ($1::uuid is null or tenant_id = $1) group by 1, 2),
            kept as (
                select tenant_id, period, jobs, reserved_chars as chars, reserved_audio_ms as audio
                from open_jobs where (jobs, reserved_chars, reserved_audio_ms) <> (0, 0, 0) and ($1::uuid is null or tenant_id = $1))
            select coalesce(string_agg(format('%s %s: counted %s kept %s', coalesce(c.tenant_id, k.tenant_id), coalesce(c.period, k.period),
                                               row(c.jobs, c.chars, c.audio), row(k.jobs, k.chars, k.audio)), E'\n'), '')
            from counted c full join kept k on k.tenant_id = c.tenant_id and k.period = c.period
            where row(c.jobs, c.chars, c.audio) is distinct from row(k.jobs, k.chars, k.audio)
            """, connection);
        command.Parameters.Add(new() { Value = (object?)tenantId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static Task SetStatusAsync(NpgsqlConnection connection, Guid jobId, string status) =>
        ExecuteAsync(connection, $"update jobs set status = '{status}' where id = $1", jobId);

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, Guid id)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new() { Value = id });
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, Guid? id)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        if (id is { } value)
        {
            command.Parameters.Add(new() { Value = value });
        }
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
