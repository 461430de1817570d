using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Core;

/// <summary>
/// Isolation proven at the SQL level, as the services' own role (voice_app): queries that forget their
/// WHERE tenant_id still see only the declared tenant's rows, and nothing without a declaration.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class RowLevelSecurityTests(VoiceAppFixture app)
{
    /// <summary>Tables that hold no tenant data; every other table must be isolated (operator_tokens: voice_app has no grant on it at all).</summary>
    private static readonly string[] GlobalTables = ["plans", "schema_migrations", "schema_functions", "audited_object_kinds", "operator_tokens"];

    [Fact]
    public async Task EveryTableIsGlobalByDesignOrHasForcedRowLevelSecurityWithAPolicy()
    {
        await using var owner = NpgsqlDataSource.Create(await app.ConnectionStringAsync("voicedb"));
        await using var command = owner.CreateCommand("""
            select c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   (select count(*) from pg_policies p where p.schemaname = 'public' and p.tablename = c.relname),
                   exists (select 1 from information_schema.columns col
                           where col.table_schema = 'public' and col.table_name = c.relname and col.column_name = 'tenant_id')
            from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'public' and c.relkind in ('r', 'p')
            order by c.relname
            """);
        await using var reader = await command.ExecuteReaderAsync();
        var unprotected = new List<string>();
        int isolated = 0;
        while (await reader.ReadAsync())
        {
            string table = reader.GetString(0);
            bool protectedTable = reader.GetBoolean(1) && reader.GetBoolean(2) && reader.GetInt64(3) > 0;
            bool hasTenantColumn = reader.GetBoolean(4);
            if (protectedTable)
            {
                isolated++;
            }
            else if (hasTenantColumn || !GlobalTables.Contains(table))
            {
                unprotected.Add(table);
            }
        }
        Assert.True(unprotected.Count == 0, $"tables without forced RLS and a policy: {string.Join(", ", unprotected)}");
        Assert.True(isolated >= 6, $"only {isolated} isolated tables found");
    }

    [Fact]
    public async Task QueryWithoutWhereSeesOnlyTheDeclaredTenantsRows()
    {
        var a = await app.CreateTenantAsync();
        var b = await app.CreateTenantAsync();
        await SubmitAsync(a);
        await SubmitAsync(b);
        await using var db = NpgsqlDataSource.Create(await app.ConnectionStringAsync("voicedb-app"));

        foreach (var (tenant, other) in new[] { (a, b), (b, a) })
        {
            await using var connection = await db.OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await DeclareAsync(connection, tenant.Id);
            var seen = await TenantIdsAsync(connection, "select distinct tenant_id from jobs");  // no WHERE on purpose
            Assert.Equal([tenant.Id], seen);
            var keys = await TenantIdsAsync(connection, "select distinct tenant_id from api_keys");
            Assert.Equal([tenant.Id], keys);
            var tenants = await TenantIdsAsync(connection, "select id from tenants");
            Assert.Equal([tenant.Id], tenants);
            Assert.DoesNotContain(other.Id, seen);
        }
    }

    [Theory]
    [InlineData("tenants")]
    [InlineData("api_keys")]
    [InlineData("users")]
    [InlineData("user_sessions")]
    [InlineData("jobs")]
    [InlineData("audit_events")]
    [InlineData("usage_records")]
    [InlineData("idempotency_keys")]
    [InlineData("webhooks")]
    [InlineData("callback_secrets")]
    [InlineData("webhook_deliveries")]
    public async Task WithoutATenantDeclarationNoRowsAreVisible(string table)
    {
        var tenant = await app.CreateTenantAsync();
        await SubmitAsync(tenant);
        await using var db = NpgsqlDataSource.Create(await app.ConnectionStringAsync("voicedb-app"));
        await using var command = db.CreateCommand($"select count(*) from {table}");

        Assert.Equal(0L, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task WritingARowForAnotherTenantIsRefusedByThePolicy()
    {
        var a = await app.CreateTenantAsync();
        var b = await app.CreateTenantAsync();
        await using var db = NpgsqlDataSource.Create(await app.ConnectionStringAsync("voicedb-app"));
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await DeclareAsync(connection, a.Id);
        await using var insert = new NpgsqlCommand(
            "insert into jobs (id, tenant_id, text, language, voice, format) values (gen_random_uuid(), $1, 'x', 'en', 'alloy', 'wav')", connection);
        insert.Parameters.Add(new() { Value = b.Id });

        var error = await Assert.ThrowsAsync<PostgresException>(() => insert.ExecuteNonQueryAsync());
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState); // new row violates row-level security policy
    }

    [Fact]
    public async Task PooledConnectionDoesNotCarryATenantToItsNextUser()
    {
        var tenant = await app.CreateTenantAsync();
        await SubmitAsync(tenant);
        var builder = new NpgsqlConnectionStringBuilder(await app.ConnectionStringAsync("voicedb-app")) { MaxPoolSize = 1 };
        await using var db = NpgsqlDataSource.Create(builder.ConnectionString);

        int firstBackend;
        await using (var connection = await db.OpenConnectionAsync())
        {
            firstBackend = connection.ProcessID;
            await using var transaction = await connection.BeginTransactionAsync();
            await DeclareAsync(connection, tenant.Id);
            await using var count = new NpgsqlCommand("select count(*) from jobs", connection);
            Assert.True((long)(await count.ExecuteScalarAsync())! > 0);
            await transaction.CommitAsync();
        }
        await using (var reused = await db.OpenConnectionAsync())
        {
            Assert.Equal(firstBackend, reused.ProcessID); // the same physical connection
            await using var count = new NpgsqlCommand("select count(*) from jobs", reused);
            Assert.Equal(0L, await count.ExecuteScalarAsync());
            await using var setting = new NpgsqlCommand("select coalesce(current_setting('app.tenant_id', true), '')", reused);
            Assert.Equal("", await setting.ExecuteScalarAsync());
        }
    }

    [Fact]
    public async Task ServiceRoleCanNeitherBypassSecurityNorRewriteTheAuditLog()
    {
        var tenant = await app.CreateTenantAsync();
        await using var db = NpgsqlDataSource.Create(await app.ConnectionStringAsync("voicedb-app"));
        await using var connection = await db.OpenConnectionAsync();

        await using (var role = new NpgsqlCommand("select rolsuper, rolbypassrls from pg_roles where rolname = current_user", connection))
        await using (var reader = await role.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            Assert.False(reader.GetBoolean(0));
            Assert.False(reader.GetBoolean(1));
        }
        foreach (string statement in new[] { "update audit_events set action = 'x'", "delete from audit_events", "select * from schema_migrations", "select * from schema_functions", "alter table jobs disable row level security",
            "update tenants set plan = 'enterprise'", "update tenants set status = 'active'" })
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await DeclareAsync(connection, tenant.Id);
            await using var command = new NpgsqlCommand(statement, connection);
            var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
            await transaction.RollbackAsync();
        }
    }

    [Fact]
    public async Task EverySecurityDefinerFunctionPinsItsSearchPathWithPgTempLast()
    {
        await using var db = NpgsqlDataSource.Create(await app.ConnectionStringAsync("voicedb-app"));
        await using var command = db.CreateCommand("""
            select p.proname, coalesce(array_to_string(p.proconfig, ';'), '') from pg_proc p join pg_namespace n on n.oid = p.pronamespace
            where n.nspname = 'public' and p.prosecdef
            """);
        var definers = new List<(string Name, string Config)>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                definers.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        Assert.NotEmpty(definers);
        // Without pg_temp last, a caller's temporary objects would shadow the ones the function means, under its owner's rights.
        Assert.All(definers, d => Assert.EndsWith("search_path=public, pg_temp", d.Config, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheServiceRoleMayRenameItsTenantOnly()
    {
        var tenant = await app.CreateTenantAsync();
        await using var db = NpgsqlDataSource.Create(await app.ConnectionStringAsync("voicedb-app"));
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await DeclareAsync(connection, tenant.Id);

        await using var rename = new NpgsqlCommand("update tenants set name = 'Renamed'", connection);

        Assert.Equal(1, await rename.ExecuteNonQueryAsync());
        await transaction.RollbackAsync();
    }

    private async Task SubmitAsync(TestTenant tenant)
    {
        using var api = app.CreateApiClient(tenant.ApiKey);
        using var response = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = "Row level security." });
        response.EnsureSuccessStatusCode();
        _ = await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task DeclareAsync(NpgsqlConnection connection, Guid tenantId)
    {
        await using var declare = new NpgsqlCommand("select set_config('app.tenant_id', $1, true)", connection);
        declare.Parameters.Add(new() { Value = tenantId.ToString() });
        await declare.ExecuteNonQueryAsync();
    }

    private static async Task<List<Guid>> TenantIdsAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<Guid>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetGuid(0));
        }
        return ids;
    }
}
