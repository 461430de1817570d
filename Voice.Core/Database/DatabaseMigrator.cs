using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Voice.Core.Database;

/// <summary>
/// Applies the embedded SQL migrations (<c>Database/Migrations/NNNN_name.sql</c>) in order, each in its own
/// transaction, and records them in <c>schema_migrations</c> with a checksum. A session advisory lock makes
/// concurrent starters (API and worker replicas) take turns, so each migration runs exactly once. An applied
/// migration whose file has changed stops start-up: migrations are append-only. Then the functions
/// (<c>Database/Functions/name.sql</c>, one current definition each, <c>create or replace</c>) are re-applied
/// whenever their checksum differs from the one recorded in <c>schema_functions</c>.
/// </summary>
public sealed partial class DatabaseMigrator(NpgsqlDataSource dataSource, ILogger<DatabaseMigrator> logger)
{
    private const long AdvisoryLockKey = 0x566F_6963_6501; // "Voice\x01"

    public sealed record Migration(int Version, string Name, string Sql, string Checksum);

    public sealed record Function(string Name, string Sql, string Checksum);

    /// <summary>What one start applied: migrations (each once, ever) and functions (each time its file changed).</summary>
    public sealed record Outcome(int Migrations, int Functions);

    public static IReadOnlyList<Migration> Embedded { get; } = LoadEmbedded();

    public static IReadOnlyList<Function> Functions { get; } = LoadFunctions();

    public async Task<Outcome> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, $"select pg_advisory_lock({AdvisoryLockKey})", cancellationToken).ConfigureAwait(false);
        try
        {
            await ExecuteAsync(connection, """
                create table if not exists schema_migrations (
                    version     integer primary key,
                    name        text not null,
                    checksum    text not null,
                    applied_at  timestamptz not null default now())
                """, cancellationToken).ConfigureAwait(false);

            var applied = new Dictionary<int, string>();
            await using (var command = new NpgsqlCommand("select version, checksum from schema_migrations", connection))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    applied[reader.GetInt32(0)] = reader.GetString(1);
                }
            }

            int count = 0;
            foreach (var migration in Embedded)
            {
                if (applied.TryGetValue(migration.Version, out var checksum))
                {
                    if (checksum != migration.Checksum)
                    {
                        throw new InvalidOperationException(
                            $"Migration {migration.Version} ({migration.Name}) was changed after it was applied; add a new migration instead.");
                    }
                    continue;
                }
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, migration.Sql, cancellationToken).ConfigureAwait(false);
                await using (var record = new NpgsqlCommand(
                    "insert into schema_migrations (version, name, checksum) values ($1, $2, $3)", connection))
                {
                    record.Parameters.Add(new() { Value = migration.Version });
                    record.Parameters.Add(new() { Value = migration.Name });
                    record.Parameters.Add(new() { Value = migration.Checksum });
                    await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                LogApplied(logger, migration.Version, migration.Name);
                count++;
            }
            return new Outcome(count, await ApplyFunctionsAsync(connection, cancellationToken).ConfigureAwait(false));
        }
        finally
        {
            await ExecuteAsync(connection, $"select pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<int> ApplyFunctionsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, """
            create table if not exists schema_functions (
                name        text primary key,
                checksum    text not null,
                applied_at  timestamptz not null default now())
            """, cancellationToken).ConfigureAwait(false);
        var applied = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand("select name, checksum from schema_functions", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                applied[reader.GetString(0)] = reader.GetString(1);
            }
        }
        int count = 0;
        foreach (var function in Functions.Where(f => applied.GetValueOrDefault(f.Name) != f.Checksum))
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, function.Sql, cancellationToken).ConfigureAwait(false);
            await using (var record = new NpgsqlCommand("""
                insert into schema_functions (name, checksum) values ($1, $2)
                on conflict (name) do update set checksum = excluded.checksum, applied_at = now()
                """, connection))
            {
                record.Parameters.Add(new() { Value = function.Name });
                record.Parameters.Add(new() { Value = function.Checksum });
                await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            LogFunctionApplied(logger, function.Name);
            count++;
        }
        return count;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static IEnumerable<(string Name, string Sql, string Checksum)> Resources(string prefix)
    {
        var assembly = typeof(DatabaseMigrator).Assembly;
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            string sql = reader.ReadToEnd();
            yield return (resource[prefix.Length..^".sql".Length], sql, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql.ReplaceLineEndings("\n")))));
        }
    }

    private static List<Function> LoadFunctions() =>
        [.. Resources("Voice.Functions.").Select(r => new Function(r.Name, r.Sql, r.Checksum)).OrderBy(f => f.Name, StringComparer.Ordinal)];

    private static List<Migration> LoadEmbedded()
    {
        var migrations = new List<Migration>();
        foreach (var (fileName, sql, checksum) in Resources("Voice.Migrations."))
        {
            int underscore = fileName.IndexOf('_', StringComparison.Ordinal);
            int version = int.Parse(fileName[..underscore], System.Globalization.CultureInfo.InvariantCulture);
            migrations.Add(new Migration(version, fileName[(underscore + 1)..], sql, checksum));
        }
        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (int i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
            {
                throw new InvalidOperationException($"Migrations must be numbered 1, 2, 3…; found {migrations[i].Version} at position {i + 1}.");
            }
        }
        return migrations;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied migration {Version} ({Name})")]
    private static partial void LogApplied(ILogger logger, int version, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied function {Name}")]
    private static partial void LogFunctionApplied(ILogger logger, string name);
}
