using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using Npgsql;
using Voice.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Voice.Tests.EndToEnd;

/// <summary>
/// The durability claim under fire: thousands of jobs from several tenants, routed to two pools, while worker
/// processes of both are killed with SIGKILL at random moments and Redis is restarted (losing everything it held).
/// Every accepted job must end completed exactly once, by a worker of the pool it was routed to: nothing lost,
/// nothing billed twice. VOICE_CHAOS_JOBS sets the size.
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class ChaosTests(VoiceAppFixture app, ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(9); // a bound for a hang (under the 10 min blame timeout); a loaded 2-core box needs 1–2 min

    /// <summary>
    /// Restarts Redis (everything it held is lost) and waits until it serves again. Right after the command the
    /// resource can still show the old process's exit, which the health wait would take for a failed start, so
    /// it first waits for the new process to be running.
    /// </summary>
    private async Task RestartRedisAsync(CancellationToken cancellationToken)
    {
        await app.App.ResourceCommands.ExecuteCommandAsync("redis", KnownResourceCommands.RestartCommand, cancellationToken);
        await app.App.ResourceNotifications.WaitForResourceAsync("redis", KnownResourceStates.Running, cancellationToken);
        await app.App.ResourceNotifications.WaitForResourceHealthyAsync("redis", cancellationToken);
    }

    [Fact]
    public async Task EveryAcceptedJobCompletesExactlyOnceDespiteKilledWorkersAndARedisRestart()
    {
        int jobCount = int.TryParse(Environment.GetEnvironmentVariable("VOICE_CHAOS_JOBS"), CultureInfo.InvariantCulture, out int n) ? n : 2000;
        // A concurrency limit the submitters can hit while workers die: slots must neither leak nor be released twice.
        string plan = await app.CreatePlanAsync(new { max_concurrent_jobs = 250 });
        var tenants = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => app.CreateTenantAsync(plan)));
        string[] pools = ["chaos-a", "chaos-b"];
        await using var poolA = await WorkerProcesses.StartAsync(app, pools[0], count: 2, ChaosSettings);
        await using var poolB = await WorkerProcesses.StartAsync(app, pools[1], count: 2, ChaosSettings);
        WorkerProcesses[] workers = [poolA, poolB];
        await WaitForPoolsAsync(pools);
        using var deadline = new CancellationTokenSource(Deadline);
        var clock = Stopwatch.StartNew();

        var accepted = new System.Collections.Concurrent.ConcurrentBag<Guid>();
        int refused = 0, submitted = 0, concurrencyLimited = 0, refusedOtherwise = 0;
        var otherAnswers = new System.Collections.Concurrent.ConcurrentBag<string>();
        var submitting = Parallel.ForEachAsync(Enumerable.Range(0, jobCount), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = deadline.Token }, async (i, ct) =>
        {
            using var api = app.CreateApiClient(tenants[i % tenants.Length].ApiKey);
            using var response = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = $"Chaos job {i}.", model = pools[i % 2] }, ct);
            int done = Interlocked.Increment(ref submitted);
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                accepted.Add((await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("task_id").GetGuid());
            }
            else
            {
                Interlocked.Increment(ref refused); // e.g. 503 while Redis restarts: the client was told nothing was queued
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    Interlocked.Increment(ref concurrencyLimited);
                }
                else if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
                {
                    Interlocked.Increment(ref refusedOtherwise);
                    otherAnswers.Add($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
                }
            }
        });

        // Chaos until everything is settled: a worker killed every 0.5–2 s, Redis restarted once mid-run.
        bool redisRestarted = false;
        int kills = 0;
        while (!submitting.IsCompleted || await UnfinishedAsync(accepted) > 0)
        {
            deadline.Token.ThrowIfCancellationRequested();
            await Task.Delay(Random.Shared.Next(500, 2000), deadline.Token);
            if (!redisRestarted && Volatile.Read(ref submitted) > jobCount * 0.4)
            {
                long waiting = await UnfinishedAsync(accepted);
                await RestartRedisAsync(deadline.Token);
                redisRestarted = true;
                using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(await app.ConnectionStringAsync("redis") + ",abortConnect=false");
                long entries = 0;
                foreach (string pool in pools)
                {
                    entries += await redis.GetDatabase().HashLengthAsync(new Voice.Core.Jobs.QueueKeys(pool).Inflight);
                }
                output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: Redis restarted with {waiting} accepted jobs unfinished; {entries} queue entries survive");
            }
            else if (kills < 12)
            {
                workers[kills % 2].KillOneAndReplace();
                kills++;
            }
        }
        await submitting;

        var ids = accepted.ToArray();
        var (completed, otherwise, usage, doubleBilled) = await CountAsync(ids);
        long elsewhere = await OutsideTheirPoolsAsync(ids, pools);
        long lost = ids.Length - completed;
        var ledger = await LedgerAsync(tenants.Select(t => t.Id).ToArray());
        output.WriteLine($"chaos: {jobCount} submitted, {ids.Length} accepted, {refused} refused ({concurrencyLimited} by the concurrency limit), {kills} worker kills (SIGKILL), " +
            $"Redis restarted: {redisRestarted}; completed {completed}, not completed {otherwise}, lost {lost}, " +
            $"usage records {usage}, jobs billed twice {doubleBilled}, in {clock.Elapsed.TotalSeconds:F0} s");
        Assert.True(redisRestarted);
        Assert.True(kills >= 3, $"only {kills} kills happened");
        // While Redis is down, jobs wait for the reconciler and tenants reach their cap: refusals are expected.
        Assert.True(ids.Length >= jobCount * 0.3, "too few jobs were accepted to mean anything");
        Assert.True(refusedOtherwise == 0, "only 429 concurrency-limit, or 503 while Redis restarts, may refuse: " + string.Join("\n", otherAnswers));
        Assert.Equal(0, lost);
        Assert.Equal(ids.Length, usage);
        Assert.Equal(0, doubleBilled);
        Assert.Equal(0, elsewhere); // every job was routed to the pool its request named (and only that pool's lanes held it)
        // Nothing holds a slot or a reservation any more, and the month's settled use (added by each completion,
        // however often its job was redelivered) is exactly the usage records'.
        output.WriteLine($"ledger after chaos: {ledger}");
        Assert.Equal(0, ledger.OpenJobs);
        Assert.Equal(0, ledger.ReservedChars);
        Assert.Equal(ledger.RecordedChars, ledger.UsedChars);
        Assert.Equal(ledger.CompletedAudioMs, ledger.UsedAudioMs);
    }

    private sealed record Ledger(long OpenJobs, long ReservedChars, long UsedChars, long RecordedChars, long UsedAudioMs, long CompletedAudioMs);

    private async Task<Ledger> LedgerAsync(Guid[] tenants)
    {
        await using var db = NpgsqlDataSource.Create(await app.ConnectionStringAsync("voicedb"));
        await using var command = db.CreateCommand("""
            select (select count(*) from jobs where tenant_id = any($1) and status in ('queued', 'running')),
                   (select coalesce(sum(reserved_chars), 0) from jobs where tenant_id = any($1) and status in ('queued', 'running')),
                   (select coalesce(sum(used_chars), 0)::bigint from quota_periods where tenant_id = any($1)),
                   (select coalesce(sum(characters), 0) from usage_records where tenant_id = any($1)),
                   (select coalesce(sum(used_audio_ms), 0)::bigint from quota_periods where tenant_id = any($1)),
                   (select coalesce(sum(duration_ms), 0) from jobs where tenant_id = any($1) and status = 'completed')
            """);
        command.Parameters.Add(new() { Value = tenants });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new Ledger(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5));
    }

    private async Task<long> UnfinishedAsync(IEnumerable<Guid> ids)
    {
        await using var db = NpgsqlDataSource.Create(await app.ConnectionStringAsync("voicedb"));
        // Open jobs only: one that ended otherwise (failed, canceled) is settled, and the assertions below count it
        // as not completed — waiting for it would only run into the deadline.
        await using var command = db.CreateCommand("select count(*) from jobs where id = any($1) and status in ('queued', 'running')");
        command.Parameters.Add(new() { Value = ids.ToArray() });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<(long Completed, long Otherwise, long Usage, long DoubleBilled)> CountAsync(Guid[] ids)
    {
        await using var db = NpgsqlDataSource.Create(await app.ConnectionStringAsync("voicedb"));
        await using var command = db.CreateCommand("""
            select (select count(*) from jobs where id = any($1) and status = 'completed'),
                   (select count(*) from jobs where id = any($1) and status <> 'completed'),
                   (select count(*) from usage_records where job_id = any($1)),
                   (select count(*) from (select job_id from usage_records where job_id = any($1) group by job_id having count(*) > 1) d)
            """);
        command.Parameters.Add(new() { Value = ids });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    /// <summary>Null-engine workers on fast clocks, so kills and reclaims happen many times in a run.</summary>
    private static readonly Dictionary<string, string?> ChaosSettings = new()
    {
        ["Queue__VisibilityTimeout"] = "00:00:03",
        ["Worker__Concurrency"] = "4",
        ["Worker__ReclaimInterval"] = "00:00:00.500",
        ["Worker__ReconcileInterval"] = "00:00:01",
        ["Worker__ReconcileMinimumAge"] = "00:00:02",
        ["Worker__MaxAttempts"] = "20", // kills are not the job's fault; do not dead-letter for them
    };

    /// <summary>Waits until the API routes to the pools (their workers announced, and the API's 2 s view has them).</summary>
    private async Task WaitForPoolsAsync(string[] pools)
    {
        using var api = app.CreateApiClient((await app.CreateTenantAsync()).ApiKey);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        foreach (string pool in pools)
        {
            while (!(await api.GetStringAsync("/api/v1/models")).Contains($"\"{pool}\"", StringComparison.Ordinal))
            {
                Assert.True(DateTime.UtcNow < deadline, $"pool {pool} never announced itself");
                await Task.Delay(250);
            }
        }
        await Task.Delay(TimeSpan.FromSeconds(2.5));
    }

    private async Task<long> OutsideTheirPoolsAsync(Guid[] ids, string[] pools)
    {
        await using var db = NpgsqlDataSource.Create(await app.ConnectionStringAsync("voicedb"));
        await using var command = db.CreateCommand("select count(*) from jobs where id = any($1) and not (pool = any($2))");
        command.Parameters.Add(new() { Value = ids });
        command.Parameters.Add(new() { Value = pools });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
