using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Voice.Core.Database;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Core;

/// <summary>Runs the real migrations against a scratch database on the platform's Postgres.</summary>
[Collection(AppCollection.Name)]
public sealed class DatabaseMigratorTests(VoiceAppFixture app) : IAsyncLifetime
{
    private readonly string _database = "migrator_" + Guid.NewGuid().ToString("N")[..12];
    private NpgsqlDataSource? _server;
    private NpgsqlDataSource? _scratch;

    public async Task InitializeAsync()
    {
        var builder = new NpgsqlConnectionStringBuilder(await app.ConnectionStringAsync("voicedb")) { Database = "postgres" };
        _server = NpgsqlDataSource.Create(builder.ConnectionString);
        await using (var create = _server.CreateCommand($"create database {_database}"))
        {
            await create.ExecuteNonQueryAsync();
        }
        builder.Database = _database;
        _scratch = NpgsqlDataSource.Create(builder.ConnectionString);
    }

    [Fact]
    public async Task FreshDatabaseGetsEveryMigrationOnceEvenWithConcurrentStarters()
    {
        var migrators = Enumerable.Range(0, 4).Select(_ => new DatabaseMigrator(_scratch!, NullLogger<DatabaseMigrator>.Instance));

        var applied = await Task.WhenAll(migrators.Select(m => m.MigrateAsync(CancellationToken.None)));

        Assert.Equal(DatabaseMigrator.Embedded.Count, applied.Sum(a => a.Migrations));
        Assert.Equal(DatabaseMigrator.Functions.Count, applied.Sum(a => a.Functions));
        await using var count = _scratch!.CreateCommand("select count(*) from schema_migrations");
        Assert.Equal((long)DatabaseMigrator.Embedded.Count, await count.ExecuteScalarAsync());
        Assert.Equal(new DatabaseMigrator.Outcome(0, 0), await new DatabaseMigrator(_scratch, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None));
    }

    [Fact]
    public async Task EveryFunctionHasOneFileAndTheDatabaseRunsItsDefinition()
    {
        await new DatabaseMigrator(_scratch!, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);

        var inDatabase = new Dictionary<string, string>();
        await using (var functions = _scratch!.CreateCommand(
            "select p.proname, p.prosrc from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public'"))
        await using (var reader = await functions.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                Assert.True(inDatabase.TryAdd(reader.GetString(0), reader.GetString(1)), $"{reader.GetString(0)} is overloaded: one definition per function");
            }
        }
        Assert.Equal(inDatabase.Keys.Order(), DatabaseMigrator.Functions.Select(f => f.Name).Order());
        foreach (var function in DatabaseMigrator.Functions)
        {
            // The body between the dollar quotes is what Postgres keeps verbatim.
            var body = System.Text.RegularExpressions.Regex.Match(function.Sql, @"\$(\w*)\$(.*?)\$\1\$", System.Text.RegularExpressions.RegexOptions.Singleline);
            Assert.True(body.Success, function.Name);
            Assert.Contains($"create or replace function {function.Name}(", function.Sql, StringComparison.Ordinal);
            Assert.Equal(body.Groups[2].Value, inDatabase[function.Name]);
        }
    }

    [Fact]
    public async Task ChangedFunctionIsReappliedAndOnlyIt()
    {
        var migrator = new DatabaseMigrator(_scratch!, NullLogger<DatabaseMigrator>.Instance);
        await migrator.MigrateAsync(CancellationToken.None);
        // As if a release had edited app_tenant.sql: its recorded checksum no longer matches, and someone broke the live definition.
        await using (var tamper = _scratch!.CreateCommand("""
            update schema_functions set checksum = 'older' where name = 'app_tenant';
            create or replace function app_tenant() returns uuid language sql stable as $$ select null::uuid $$;
            """))
        {
            await tamper.ExecuteNonQueryAsync();
        }

        Assert.Equal(new DatabaseMigrator.Outcome(0, 1), await migrator.MigrateAsync(CancellationToken.None));

        await using var source = _scratch.CreateCommand("select prosrc from pg_proc where proname = 'app_tenant'");
        Assert.Contains("current_setting('app.tenant_id', true)", (string)(await source.ExecuteScalarAsync())!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangedAppliedMigrationStopsStartUp()
    {
        var migrator = new DatabaseMigrator(_scratch!, NullLogger<DatabaseMigrator>.Instance);
        await migrator.MigrateAsync(CancellationToken.None);
        await using (var tamper = _scratch!.CreateCommand("update schema_migrations set checksum = 'edited' where version = 1"))
        {
            await tamper.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => migrator.MigrateAsync(CancellationToken.None));
        Assert.Contains("changed after it was applied", error.Message);
    }

    [Fact]
    public void EmbeddedMigrationsAreNumberedWithoutGaps()
    {
        Assert.Equal(Enumerable.Range(1, DatabaseMigrator.Embedded.Count), DatabaseMigrator.Embedded.Select(m => m.Version));
        Assert.All(DatabaseMigrator.Embedded, m => Assert.Equal(64, m.Checksum.Length));
    }

    public async Task DisposeAsync()
    {
        _scratch?.Dispose();
        NpgsqlConnection.ClearAllPools();
        if (_server is not null)
        {
            await using var drop = _server.CreateCommand($"drop database if exists {_database} with (force)");
            await drop.ExecuteNonQueryAsync();
            await _server.DisposeAsync();
        }
    }
}
