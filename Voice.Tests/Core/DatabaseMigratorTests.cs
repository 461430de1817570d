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

        int[] applied = await Task.WhenAll(migrators.Select(m => m.MigrateAsync(CancellationToken.None)));

        Assert.Equal(DatabaseMigrator.Embedded.Count, applied.Sum());
        await using var count = _scratch!.CreateCommand("select count(*) from schema_migrations");
        Assert.Equal((long)DatabaseMigrator.Embedded.Count, await count.ExecuteScalarAsync());
        Assert.Equal(0, await new DatabaseMigrator(_scratch, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None));
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
