using Npgsql;
using Voice.Core.Jobs;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Jobs;

/// <summary>
/// The ledger's group commit: concurrent calls share round trips and each gets its own results; a merged run that
/// Postgres refuses is run again call by call, so only the call at fault fails. The operation here is a real
/// statement on the app's Postgres (<c>100 / n</c> per item: n = 0 makes Postgres refuse the whole statement).
/// </summary>
[Collection(AppCollection.Name)]
public sealed class GroupCommitTests(VoiceAppFixture app)
{
    [Fact]
    public async Task ConcurrentCallsShareRoundTripsAndEachGetsItsOwnResultsInOrder()
    {
        await using var database = NpgsqlDataSource.Create(await app.ConnectionStringAsync("voicedb"));
        var runs = new List<int>();
        var gate = new TaskCompletionSource();
        var commit = new GroupCommit<int, int>(async items =>
        {
            lock (runs) { runs.Add(items.Count); }
            await gate.Task; // the first run waits, so the calls behind it pile up and go together
            return await DivideAsync(database, items);
        }, maxItems: 1_000, loops: 1);

        var first = commit.RunAsync([1]);
        var calls = Enumerable.Range(1, 20).Select(n => commit.RunAsync([n, 2 * n, 4 * n])).ToList();
        gate.SetResult();

        Assert.Equal([100], await first);
        for (int n = 1; n <= 20; n++)
        {
            Assert.Equal([100 / n, 100 / (2 * n), 100 / (4 * n)], await calls[n - 1]);
        }
        Assert.Equal(61, runs.Sum());                         // every item ran once...
        Assert.True(runs.Count <= 2, $"21 calls took {runs.Count} runs"); // ...and the calls behind the first went together
    }

    [Fact]
    public async Task ACallPostgresRefusesFailsAloneAndTheOthersInItsRunSucceed()
    {
        await using var database = NpgsqlDataSource.Create(await app.ConnectionStringAsync("voicedb"));
        var gate = new TaskCompletionSource();
        var commit = new GroupCommit<int, int>(async items =>
        {
            await gate.Task;
            return await DivideAsync(database, items);
        }, maxItems: 1_000, loops: 1);

        var blocker = commit.RunAsync([5]);
        var good = commit.RunAsync([10, 20]);
        var bad = commit.RunAsync([4, 0]);
        var alsoGood = commit.RunAsync([50]);
        gate.SetResult();

        Assert.Equal([20], await blocker);
        Assert.Equal([10, 5], await good);
        Assert.Equal([2], await alsoGood);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => bad);
        Assert.Equal(PostgresErrorCodes.DivisionByZero, refused.SqlState);
    }

    [Fact]
    public async Task AFailureOutsidePostgresReachesEveryCallOfItsRun()
    {
        var gate = new TaskCompletionSource();
        var commit = new GroupCommit<int, int>(async items =>
        {
            await gate.Task;
            throw new InvalidOperationException("after the commit");
        }, maxItems: 1_000, loops: 1);

        var calls = Enumerable.Range(1, 3).Select(n => commit.RunAsync([n])).ToList();
        gate.SetResult();

        // Not retried: a failure after the statement may follow a commit, and running it again could write twice.
        foreach (var call in calls)
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => call);
        }
    }

    private static async Task<IReadOnlyList<int>> DivideAsync(NpgsqlDataSource database, IReadOnlyList<int> items)
    {
        await using var command = database.CreateCommand("select 100 / n from unnest($1::int[]) with ordinality as u(n, i) order by i");
        command.Parameters.Add(new() { Value = items.ToArray() });
        var results = new List<int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            results.Add(reader.GetInt32(0));
        }
        return results;
    }
}
