using Npgsql;

namespace Voice.Core.Database;

/// <summary>
/// Gives the roles the migrations created (<c>voice_app</c>, <c>voice_admin</c>) LOGIN and the passwords from
/// the connection strings the services were given. Runs as the database owner, after migrations.
/// </summary>
public static class DatabaseRoles
{
    public const string App = "voice_app";
    public const string Admin = "voice_admin";

    public static async Task EnableLoginAsync(NpgsqlDataSource owner, string role, string connectionString, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!string.Equals(builder.Username, role, StringComparison.Ordinal) || string.IsNullOrEmpty(builder.Password))
        {
            throw new InvalidOperationException($"The connection string for {role} must name user '{role}' and carry its password.");
        }
        await using var connection = await owner.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // ALTER ROLE takes no bind parameters: pass the password as a transaction-local setting and let
        // format(%L) quote it on the server.
        await using (var set = new NpgsqlCommand("select set_config('voice.role_password', $1, true)", connection, transaction))
        {
            set.Parameters.Add(new() { Value = builder.Password });
            await set.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await using (var alter = new NpgsqlCommand(
            $"do $$ begin execute format('alter role {role} login password %L', current_setting('voice.role_password')); end $$",
            connection, transaction))
        {
            await alter.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }
}
